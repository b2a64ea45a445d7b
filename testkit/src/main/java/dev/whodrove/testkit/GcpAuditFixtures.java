package dev.whodrove.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Real Cloud Audit Log entries (third-party samples, provenance in {@code gcp-audit/SOURCES.md}), stored once for
 * every module's tests as resources of this module under {@code gcp-audit/<file>.jsonl}, one {@code LogEntry} per
 * line.
 */
public final class GcpAuditFixtures {
  public static final List<String> FILES = List.of("elastic-integrations.jsonl", "google-cloudevents-testdata.jsonl",
      "grafana-alloy.jsonl", "panther-rule-tests-normalised-keys.jsonl", "plaso-gcp_logging.jsonl",
      "sekoia-intake-formats.jsonl");

  /** One user agent as logged, and where: {@code <file>:<1-based line>}. */
  public record UserAgent(String where, String value) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private GcpAuditFixtures() {}

  /** The non-blank lines of one file. */
  public static List<String> lines(String file) {
    try (InputStream in = GcpAuditFixtures.class.getResourceAsStream("/gcp-audit/" + file)) {
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
      throw new UncheckedIOException(e);
    }
  }

  /** Every line of every file, in {@link #FILES} order. */
  public static List<String> all() {
    List<String> out = new ArrayList<>();
    FILES.forEach(f -> out.addAll(lines(f)));
    return out;
  }

  /**
   * Every {@code callerSuppliedUserAgent} in the samples (wherever the entry nests it: some samples use normalised
   * key names around it), in file and line order.
   */
  public static List<UserAgent> userAgents() {
    List<UserAgent> out = new ArrayList<>();
    for (String file : FILES) {
      List<String> lines = lines(file);
      for (int i = 0; i < lines.size(); i++) {
        try {
          collect(JSON.readTree(lines.get(i)), file + ":" + (i + 1), out);
        } catch (IOException e) {
          throw new UncheckedIOException(file + ":" + (i + 1), e);
        }
      }
    }
    return out;
  }

  private static void collect(JsonNode n, String where, List<UserAgent> out) {
    if (n.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        if (f.getKey().equals("callerSuppliedUserAgent") && f.getValue().isTextual()) {
          out.add(new UserAgent(where, f.getValue().asText()));
        } else {
          collect(f.getValue(), where, out);
        }
      }
    } else if (n.isArray()) {
      n.forEach(c -> collect(c, where, out));
    }
  }
}
