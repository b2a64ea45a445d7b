package dev.whodrove.runtime;

import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The body of every service's {@code main}: load config, host the service until SIGTERM, exit 0 (or 1 on failure). */
public final class ServiceMain {
  private static final Logger log = LoggerFactory.getLogger(ServiceMain.class);

  private ServiceMain() {}

  /** Runs the service a module registers (its name and port live in the factory). */
  public static void run(ServiceFactory factory) {
    run(factory.name(), factory.defaultHttpPort(), factory.renamedKeys(), factory::create);
  }

  public static void run(String serviceName, int defaultHttpPort, Function<ServiceContext, ManagedService> factory) {
    run(serviceName, defaultHttpPort, Map.of(), factory);
  }

  private static void run(String serviceName, int defaultHttpPort, Map<String, String> renamedKeys,
      Function<ServiceContext, ManagedService> factory) {
    int status = 0;
    try {
      ServiceContext ctx = ServiceContext.create(serviceName,
          ServiceConfig.load(Map.of()).withRenamedKeys(serviceName, renamedKeys));
      ServiceHost host = ServiceHost.start(ctx, factory.apply(ctx), defaultHttpPort);
      host.awaitTermination();
    } catch (ConfigException e) {
      System.err.println(serviceName + ": " + e.getMessage());
      status = 2;
    } catch (Exception e) {
      log.error("{} failed: {}", serviceName, e.toString(), e);
      status = 1;
    }
    System.exit(status);
  }
}
