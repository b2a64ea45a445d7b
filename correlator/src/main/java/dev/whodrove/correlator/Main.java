package dev.whodrove.correlator;

import dev.whodrove.runtime.ServiceMain;

/** {@code correlator} service entry point: health, readiness and metrics on port 9408 unless configured. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    ServiceMain.run(new CorrelatorServiceFactory());
  }
}
