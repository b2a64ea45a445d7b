package dev.whodrove.classifier;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;

/** Makes the classifier findable by {@code whodrove run classifier} and the container entry point. */
public final class ClassifierServiceFactory implements ServiceFactory {
  @Override
  public String name() {
    return ClassifierService.NAME;
  }

  @Override
  public int defaultHttpPort() {
    return ClassifierService.HTTP_PORT;
  }

  @Override
  public ManagedService create(ServiceContext ctx) {
    return new ClassifierService(ctx);
  }
}
