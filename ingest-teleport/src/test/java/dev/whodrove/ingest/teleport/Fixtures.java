package dev.whodrove.ingest.teleport;

import dev.whodrove.testkit.TeleportAuditFixtures;
import java.util.List;

/** The Teleport audit fixtures of the testkit, by file and line. */
final class Fixtures {
  static final List<String> FILES = TeleportAuditFixtures.FILES;

  private Fixtures() {}

  static List<String> lines(String file) {
    return TeleportAuditFixtures.lines(file);
  }

  /** 1-based line of a fixture file. */
  static String line(String file, int n) {
    return lines(file).get(n - 1);
  }
}
