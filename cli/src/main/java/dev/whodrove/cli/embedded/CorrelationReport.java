package dev.whodrove.cli.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.sink.SessionDatabase;
import dev.whodrove.sink.SessionSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The correlations in {@code sessions.sqlite} against the cross-substrate scenario's truth
 * ({@code correlations.jsonl}): for each expectation, whether its Teleport session was paired with the GCP principal's
 * activity in that window, and at which tier; and how many correlations the truth has no expectation for.
 *
 * @param rows per kind of expectation ({@code agent}, {@code person}, {@code none}) and its reason
 * @param unexpected correlations matching no expectation (a pair among the other profiles' data)
 * @param total correlations in the file (each pair once)
 */
public record CorrelationReport(List<Row> rows, int unexpected, int total) {
  /** A GCP session or burst counts for an expectation when it starts within this much of the activity's window. */
  static final long WINDOW_SLACK_MS = 120_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param expect agent, person or none
   * @param combinations (Teleport session, GCP activity) combinations of this kind
   * @param paired those with at least one correlation
   * @param bestTiers the best tier of each paired combination, counted
   */
  public record Row(String expect, String why, int combinations, int paired, Map<String, Integer> bestTiers) {}

  public static final CorrelationReport NONE = new CorrelationReport(List.of(), 0, 0);

  /** Reads the truth and the correlations; {@link #NONE} when the data has no cross-substrate truth. */
  public static CorrelationReport of(Path truthFile, Path db, List<SessionSummary> sessions) throws IOException {
    if (!Files.exists(truthFile)) {
      return NONE;
    }
    List<JsonNode> truth = new ArrayList<>();
    for (String line : Files.readAllLines(truthFile)) {
      if (!line.isBlank()) {
        truth.add(JSON.readTree(line));
      }
    }
    List<Map<String, Object>> found;
    try (SessionDatabase store = SessionDatabase.openReadOnly(db)) {
      found = store.correlations();
    } catch (java.sql.SQLException e) {
      found = List.of();
    }
    Map<String, SessionSummary> byId = new LinkedHashMap<>();
    sessions.forEach(s -> byId.put(s.sessionId(), s));

    Map<String, Row> rows = new LinkedHashMap<>();
    boolean[] matched = new boolean[found.size()];
    for (JsonNode t : truth) {
      String key = t.get("expect").asText() + "|" + t.get("why").asText();
      String best = null;
      for (int i = 0; i < found.size(); i++) {
        Map<String, Object> c = found.get(i);
        if (matches(t, c, byId)) {
          matched[i] = true;
          String tier = String.valueOf(c.get("tier"));
          if (best == null || rank(tier) > rank(best)) {
            best = tier;
          }
        }
      }
      Row r = rows.getOrDefault(key, new Row(t.get("expect").asText(), t.get("why").asText(), 0, 0, new TreeMap<>()));
      Map<String, Integer> tiers = new TreeMap<>(r.bestTiers());
      if (best != null) {
        tiers.merge(best, 1, Integer::sum);
      }
      rows.put(key, new Row(r.expect(), r.why(), r.combinations() + 1, r.paired() + (best == null ? 0 : 1), tiers));
    }
    int unexpected = 0;
    for (boolean m : matched) {
      unexpected += m ? 0 : 1;
    }
    return new CorrelationReport(List.copyOf(rows.values()), unexpected, found.size());
  }

  private static boolean matches(JsonNode t, Map<String, Object> c, Map<String, SessionSummary> byId) {
    if (!t.get("teleport_session_id").asText().equals(c.get("session_id"))) {
      return false;
    }
    SessionSummary peer = byId.get(String.valueOf(c.get("peer_session_id")));
    if (peer == null || peer.user() == null || !peer.user().equalsIgnoreCase(t.get("gcp_principal").asText())
        || peer.startedAt() == null) {
      return false;
    }
    long started;
    try {
      started = Instant.parse(peer.startedAt()).toEpochMilli();
    } catch (RuntimeException e) {
      return false;
    }
    return started >= t.get("gcp_from_ms").asLong() - WINDOW_SLACK_MS
        && started <= t.get("gcp_to_ms").asLong() + WINDOW_SLACK_MS;
  }

  private static int rank(String tier) {
    return switch (tier) {
      case "high" -> 2;
      case "medium" -> 1;
      default -> 0;
    };
  }

  /** The row of one kind of expectation, or null. */
  public Row row(String expect, String whyPrefix) {
    return rows.stream().filter(r -> r.expect().equals(expect) && r.why().startsWith(whyPrefix)).findFirst()
        .orElse(null);
  }
}
