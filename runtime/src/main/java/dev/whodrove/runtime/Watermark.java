package dev.whodrove.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How far a source that queries a time-partitioned store window by window (Athena, BigQuery) got: the newest record
 * it emitted (time + id), the end of the last completed window, and the ids it emitted inside the overlap window
 * (with their times), so that re-reading that window drops what was already published, across restarts too. Kept in
 * a compacted topic by {@link KafkaWatermarkStore}; the JSON field names are those the Athena watermark always had.
 *
 * @param newestTimeMs time of the newest emitted record (0 before the first)
 * @param newestId id of that record
 * @param scannedUntilMs exclusive upper bound of the last completed window
 * @param recent id to record time, for records inside the overlap window before {@code scannedUntilMs}
 */
public record Watermark(long newestTimeMs, String newestId, long scannedUntilMs, Map<String, Long> recent) {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public static Watermark startingAt(long ms) {
    return new Watermark(0, "", ms, Map.of());
  }

  /**
   * The watermark after a completed window ending at {@code untilMs}: the newest record seen, and of {@code seen}
   * (this watermark's recent ids plus the window's) only what a later window can see again — records at or after
   * {@code untilMs - overlapMs} — newest first, at most {@code maxRecent}.
   */
  public Watermark after(long windowNewestTimeMs, String windowNewestId, long untilMs, Map<String, Long> seen,
      long overlapMs, int maxRecent) {
    long bestTime = newestTimeMs;
    String bestId = newestId;
    if (windowNewestTimeMs > bestTime || (windowNewestTimeMs == bestTime && windowNewestId.compareTo(bestId) > 0)) {
      bestTime = windowNewestTimeMs;
      bestId = windowNewestId;
    }
    long keepFrom = untilMs - overlapMs;
    Map<String, Long> kept = new HashMap<>();
    seen.entrySet().stream().filter(e -> e.getValue() >= keepFrom)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(maxRecent).forEach(e -> kept.put(e.getKey(), e.getValue()));
    return new Watermark(bestTime, bestId, untilMs, kept);
  }

  public byte[] toJson() {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("event_time_ms", newestTimeMs).put("uid", newestId).put("scanned_until_ms", scannedUntilMs);
    ObjectNode r = o.putObject("recent_uids");
    recent.forEach(r::put);
    try {
      return MAPPER.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Watermark fromJson(byte[] json) {
    try {
      JsonNode o = MAPPER.readTree(new String(json, StandardCharsets.UTF_8));
      Map<String, Long> recent = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : o.path("recent_uids").properties()) {
        recent.put(e.getKey(), e.getValue().asLong());
      }
      return new Watermark(o.path("event_time_ms").asLong(), o.path("uid").asText(),
          o.path("scanned_until_ms").asLong(), recent);
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable watermark: " + e.getMessage(), e);
    }
  }
}
