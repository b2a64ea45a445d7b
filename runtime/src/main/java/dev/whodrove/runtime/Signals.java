package dev.whodrove.runtime;

import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT into a callback instead of the JVM's default exit, so a service can stop cleanly and exit
 * with status 0.
 */
public final class Signals {
  private Signals() {}

  @SuppressWarnings("restriction")
  public static void onTermination(Runnable action) {
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), s -> action.run());
      } catch (IllegalArgumentException e) {
        // signal not available on this platform; the JVM's default handling applies
      }
    }
  }
}
