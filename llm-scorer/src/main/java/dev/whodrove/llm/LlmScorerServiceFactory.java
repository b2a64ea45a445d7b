package dev.whodrove.llm;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;

/** Makes the llm-scorer service findable by {@code whodrove run llm-scorer} and the container entry point. */
public final class LlmScorerServiceFactory implements ServiceFactory {
  @Override
  public String name() {
    return "llm-scorer";
  }

  @Override
  public int defaultHttpPort() {
    return 9406;
  }

  @Override
  public ManagedService create(ServiceContext ctx) {
    return new LlmScorerService(ctx);
  }
}
