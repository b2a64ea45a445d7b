package dev.whodrove.ingest.teleport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How far the Athena poller got: the newest event emitted ({@code event_time} + {@code uid}), the end of the last
 * completed query window, and the uids emitted inside the overlap window (with their event times) so a re-query
 * of that window drops what was already published, across restarts too.
 *
 * @param eventTimeMs event time of the newest emitted event (0 before the first)
 * @param uid uid of that event
 * @param scannedUntilMs exclusive upper bound of the last completed window
 * @param recent uid to event time, for events inside the overlap window before {@code scannedUntilMs}
 */
public record AthenaWatermark(long eventTimeMs, String uid, long scannedUntilMs, Map<String, Long> recent) {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public static AthenaWatermark startingAt(long ms) {
    return new AthenaWatermark(0, "", ms, Map.of());
  }

  public byte[] toJson() {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("event_time_ms", eventTimeMs).put("uid", uid).put("scanned_until_ms", scannedUntilMs);
    ObjectNode r = o.putObject("recent_uids");
    recent.forEach(r::put);
    try {
      return MAPPER.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static AthenaWatermark fromJson(byte[] json) {
    try {
      JsonNode o = MAPPER.readTree(new String(json, StandardCharsets.UTF_8));
      Map<String, Long> recent = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : o.path("recent_uids").properties()) {
        recent.put(e.getKey(), e.getValue().asLong());
      }
      return new AthenaWatermark(o.path("event_time_ms").asLong(), o.path("uid").asText(),
          o.path("scanned_until_ms").asLong(), recent);
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable Athena watermark: " + e.getMessage(), e);
    }
  }
}
