package dev.whodrove.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Real Teleport audit events (flat JSON, one per line), stored once for every module's tests as resources of this
 * module under {@code teleport-audit/<file>.jsonl}; provenance in {@code teleport-audit/SOURCES.md}. They hold real
 * user names and addresses: assert on them in tests, never print them into docs.
 */
public final class TeleportAuditFixtures {
  public static final List<String> FILES = List.of("ssh-sessions.jsonl", "session-stream-print-events.jsonl",
      "auth-and-admin.jsonl", "kube-db-app-desktop.jsonl", "panther-handwritten.jsonl");

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TeleportAuditFixtures() {}

  /** The non-blank lines of one file, as they are stored. */
  public static List<String> lines(String file) {
    try (InputStream in = TeleportAuditFixtures.class.getResourceAsStream("/teleport-audit/" + file)) {
      if (in == null) {
        throw new IllegalStateException("missing fixture /teleport-audit/" + file);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every event of every file whose {@code event} field is {@code type}, parsed, in file order. */
  public static List<ObjectNode> events(String type) {
    List<ObjectNode> out = new ArrayList<>();
    for (String file : FILES) {
      for (String line : lines(file)) {
        ObjectNode o = parse(line);
        if (type.equals(o.path("event").asText())) {
          out.add(o);
        }
      }
    }
    return out;
  }

  /** The first event of that type. */
  public static ObjectNode first(String type) {
    List<ObjectNode> all = events(type);
    if (all.isEmpty()) {
      throw new IllegalArgumentException("no fixture event " + type);
    }
    return all.get(0);
  }

  public static ObjectNode parse(String line) {
    try {
      return (ObjectNode) MAPPER.readTree(line);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("fixture line is not JSON", e);
    }
  }
}
