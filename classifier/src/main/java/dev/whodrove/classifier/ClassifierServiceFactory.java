package dev.whodrove.classifier;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;
import java.util.Map;

/** Makes the classifier findable by {@code whodrove run classifier} and the container entry point. */
public final class ClassifierServiceFactory implements ServiceFactory {
  @Override
  public String name() {
    return ClassifierService.NAME;
  }

  @Override
  public String keyPrefix() {
    return ClassifierConfig.PREFIX;
  }

  @Override
  public int defaultHttpPort() {
    return ClassifierService.HTTP_PORT;
  }

  @Override
  public Map<String, String> renamedKeys() {
    return ClassifierConfig.RENAMED_KEYS;
  }

  @Override
  public ManagedService create(ServiceContext ctx) {
    return new ClassifierService(ctx);
  }
}
