package dev.whodrove.ingest.gcp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Sample Cloud Audit Log lines copied into test resources. */
final class Fixtures {
  static final List<String> FILES = List.of("elastic-integrations.jsonl", "google-cloudevents-testdata.jsonl",
      "grafana-alloy.jsonl", "panther-rule-tests-normalised-keys.jsonl", "plaso-gcp_logging.jsonl",
      "sekoia-intake-formats.jsonl");

  private Fixtures() {}

  static List<String> lines(String file) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/gcp-audit/" + file)) {
      if (in == null) {
        throw new IllegalStateException("missing fixture " + file);
      }
      List<String> out = new ArrayList<>();
      for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!l.isBlank()) {
          out.add(l);
        }
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** 1-based line of a fixture file, as bytes. */
  static byte[] line(String file, int n) {
    return lines(file).get(n - 1).getBytes(StandardCharsets.UTF_8);
  }

  static List<String> all() {
    List<String> out = new ArrayList<>();
    FILES.forEach(f -> out.addAll(lines(f)));
    return out;
  }
}
