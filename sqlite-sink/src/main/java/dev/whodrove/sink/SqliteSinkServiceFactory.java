package dev.whodrove.sink;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;

/** Makes the sqlite-sink service findable by {@code whodrove run sqlite-sink} and the container entry point. */
public final class SqliteSinkServiceFactory implements ServiceFactory {
  @Override
  public String name() {
    return "sqlite-sink";
  }

  @Override
  public String keyPrefix() {
    return SinkConfig.PREFIX;
  }

  @Override
  public int defaultHttpPort() {
    return 9407;
  }

  @Override
  public ManagedService create(ServiceContext ctx) {
    return new SqliteSinkService(ctx);
  }
}
