package dev.whodrove.classifier;

import dev.whodrove.runtime.ServiceMain;

/** {@code classifier} service entry point: health, readiness and metrics on port 9405 unless configured. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    ServiceMain.run(new ClassifierServiceFactory());
  }
}
