package dev.whodrove.featurizer;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;

/** Makes the featurizer service findable by {@code whodrove run featurizer} and the container entry point. */
public final class FeaturizerServiceFactory implements ServiceFactory {
  @Override
  public String name() {
    return "featurizer";
  }

  @Override
  public String keyPrefix() {
    return FeaturizerConfig.PREFIX;
  }

  @Override
  public int defaultHttpPort() {
    return 9404;
  }

  @Override
  public ManagedService create(ServiceContext ctx) {
    return new FeaturizerService(ctx);
  }
}
