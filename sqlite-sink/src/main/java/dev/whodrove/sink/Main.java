package dev.whodrove.sink;

import dev.whodrove.runtime.ServiceMain;

/** Runs the sqlite-sink service: {@code java -cp … dev.whodrove.sink.Main}. */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    ServiceMain.run(new SqliteSinkServiceFactory());
  }
}
