package dev.whodrove.llm;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;
import java.util.Map;

/** Makes the llm-scorer service findable by {@code whodrove run llm-scorer} and the container entry point. */
public final class LlmScorerServiceFactory implements ServiceFactory {
  @Override
  public String name() {
    return "llm-scorer";
  }

  @Override
  public String keyPrefix() {
    return LlmConfig.PREFIX;
  }

  @Override
  public int defaultHttpPort() {
    return 9406;
  }

  @Override
  public Map<String, String> renamedKeys() {
    return LlmConfig.RENAMED_KEYS;
  }

  @Override
  public ManagedService create(ServiceContext ctx) {
    return new LlmScorerService(ctx);
  }
}
