package dev.whodrove.runtime;

import java.time.Duration;

/** Durations as readiness details and reasons show them: {@code 750ms}, {@code 42s}, {@code 4m12s}, {@code 1h}. */
final class Durations {
  private Durations() {}

  static String text(Duration d) {
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      return d.toMillis() + "ms";
    }
    long s = d.toSeconds();
    StringBuilder b = new StringBuilder();
    if (s >= 3600) {
      b.append(s / 3600).append('h');
    }
    if (s % 3600 >= 60) {
      b.append(s % 3600 / 60).append('m');
    }
    if (s % 60 > 0 || b.length() == 0) {
      b.append(s % 60).append('s');
    }
    return b.toString();
  }
}
