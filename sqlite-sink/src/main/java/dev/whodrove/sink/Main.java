package dev.whodrove.sink;

import dev.whodrove.runtime.ServiceMain;

/** Runs the sqlite-sink service: {@code java -cp … dev.whodrove.sink.Main}. */
public final class Main {
  public static final String SERVICE_NAME = "sqlite-sink";
  public static final int HTTP_PORT = 9407;

  private Main() {}

  public static void main(String[] args) {
    ServiceMain.run(SERVICE_NAME, HTTP_PORT, SqliteSinkService::new);
  }
}
