package dev.whodrove.ingest.teleport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.schemas.redact.SecretRedactor;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Redacts the fields of a Teleport audit event that carry what was run or asked for — {@code argv} and
 * {@code initial_command} ({@code session.command}, {@code session.start/end}), {@code command} ({@code exec}),
 * database queries and their parameters ({@code db.session.*}), Kubernetes request paths ({@code kube.request}) — and
 * credentials in its URIs, in place, before the event is published. An event without such a secret is left
 * untouched, so its {@code original_json} stays byte for byte what Teleport wrote.
 */
final class AuditEventRedaction {
  /** Argument vectors: each element is seen after the program and the argument before it. */
  private static final Set<String> ARGV = Set.of("argv", "initial_command");
  /** Free text: command lines, queries, request paths. */
  private static final Set<String> TEXT = Set.of("command", "db_query", "query", "request_path", "raw_query",
      "db_query_parameters", "parameters", "args");
  /** Addresses: only credentials in them. */
  private static final Set<String> URI = Set.of("url", "db_uri", "app_uri", "uri");

  private final SecretRedactor redactor = new SecretRedactor();

  /** @return whether anything was redacted (the caller then re-serialises the event) */
  boolean redact(ObjectNode event) {
    boolean changed = false;
    for (String field : ARGV) {
      JsonNode n = event.get(field);
      if (n instanceof ArrayNode a) {
        changed |= argv(event, a);
      } else if (n != null && n.isTextual()) {
        changed |= text(event, field, redactor.cleanArgv(List.of(n.asText())).get(0));
      }
    }
    for (String field : TEXT) {
      JsonNode n = event.get(field);
      if (n instanceof ArrayNode a) {
        for (int i = 0; i < a.size(); i++) {
          if (a.get(i).isTextual()) {
            String r = redactor.clean(a.get(i).asText());
            if (!r.equals(a.get(i).asText())) {
              a.set(i, r);
              changed = true;
            }
          }
        }
      } else if (n != null && n.isTextual()) {
        changed |= text(event, field, redactor.clean(n.asText()));
      }
    }
    for (String field : URI) {
      JsonNode n = event.get(field);
      if (n != null && n.isTextual()) {
        changed |= text(event, field, redactor.cleanUri(n.asText()));
      }
    }
    return changed;
  }

  private boolean argv(ObjectNode event, ArrayNode a) {
    List<String> args = new ArrayList<>(a.size());
    for (JsonNode e : a) {
      if (!e.isTextual()) {
        return false; // not an argument vector as Teleport writes it
      }
      args.add(e.asText());
    }
    // Teleport's argv leaves the program out; the redactor needs it (mysql -p…)
    String program = event.path("program").asText(event.path("path").asText(""));
    List<String> r = program.isEmpty() ? redactor.cleanArgv(args) : redactor.cleanArgv(program, args);
    if (r.equals(args)) {
      return false;
    }
    for (int i = 0; i < r.size(); i++) {
      a.set(i, r.get(i));
    }
    return true;
  }

  private static boolean text(ObjectNode event, String field, String redacted) {
    if (redacted.equals(event.get(field).asText())) {
      return false;
    }
    event.put(field, redacted);
    return true;
  }
}
