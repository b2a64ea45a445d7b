package dev.whodrove.runtime;

import java.util.stream.Collectors;

/**
 * Container entry point: runs the service named by the first argument or the {@code SERVICE} environment variable.
 */
public final class ServiceLauncher {
  private ServiceLauncher() {}

  public static void main(String[] args) {
    String name = args.length > 0 ? args[0] : System.getenv("SERVICE");
    String known = ServiceFactory.all().stream().map(ServiceFactory::name).collect(Collectors.joining(", "));
    if (name == null || name.isBlank()) {
      System.err.println("no service named: pass one as argument or set SERVICE (known: " + known + ")");
      System.exit(2);
    }
    ServiceFactory f = ServiceFactory.named(name).orElse(null);
    if (f == null) {
      System.err.println("unknown service " + name + " (known: " + known + ")");
      System.exit(2);
    }
    ServiceMain.run(f.name(), f.defaultHttpPort(), f::create);
  }
}
