package dev.whodrove.ingest.gcp;

import dev.whodrove.runtime.ServiceMain;

/** Runs ingest-gcp until SIGTERM; health, readiness and metrics on port 9402 unless {@code http.port} says otherwise. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    ServiceMain.run(new IngestGcpServiceFactory());
  }
}
