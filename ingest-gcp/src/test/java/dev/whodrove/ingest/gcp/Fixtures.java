package dev.whodrove.ingest.gcp;

import dev.whodrove.testkit.GcpAuditFixtures;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Sample Cloud Audit Log lines (the shared samples of the testkit module). */
final class Fixtures {
  static final List<String> FILES = GcpAuditFixtures.FILES;

  private Fixtures() {}

  static List<String> lines(String file) {
    return GcpAuditFixtures.lines(file);
  }

  /** 1-based line of a fixture file, as bytes. */
  static byte[] line(String file, int n) {
    return lines(file).get(n - 1).getBytes(StandardCharsets.UTF_8);
  }

  static List<String> all() {
    return GcpAuditFixtures.all();
  }
}
