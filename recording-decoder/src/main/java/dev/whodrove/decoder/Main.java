package dev.whodrove.decoder;

import dev.whodrove.runtime.ServiceMain;

/** Runs the recording-decoder service (health, readiness and metrics on port 9403 unless configured). */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    ServiceMain.run(new RecordingDecoderServiceFactory());
  }
}
