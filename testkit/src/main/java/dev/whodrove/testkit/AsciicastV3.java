package dev.whodrove.testkit;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/**
 * Rewrites an asciicast v2 recording as asciicast v3, the way asciinema 3 converts one: the size moves into a
 * {@code term} object (with {@code TERM} as its type), and each event's time becomes the interval since the previous
 * event, written in decimal from the exact decimal difference (no floating-point arithmetic). A comment line follows
 * the header and an exit event ends the file, both with nothing to add to the timing.
 *
 * <p>v3 cannot say that time went backwards. Some real recordings step back by a fraction of a second; such an event
 * is written with interval 0, so it lands at the latest time already reached (the later events keep their times).
 */
public final class AsciicastV3 {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a rewrite did: the v3 bytes and how many events had to be moved forward in time. */
  public record Rewrite(byte[] bytes, int clampedEvents) {}

  private AsciicastV3() {}

  /** The v3 rewrite of {@code v2}. */
  public static byte[] fromV2(byte[] v2) {
    return rewrite(v2).bytes();
  }

  /** The v3 rewrite of {@code v2}, with the number of events that stepped back in time. */
  public static Rewrite rewrite(byte[] v2) {
    try {
      String[] lines = new String(v2, StandardCharsets.UTF_8).split("\n", -1);
      JsonNode h = JSON.readTree(lines[0]);
      if (h.path("version").asInt() != 2) {
        throw new IllegalArgumentException("not an asciicast v2 recording");
      }
      StringBuilder out = new StringBuilder();
      out.append(JSON.writeValueAsString(header(h))).append('\n');
      out.append("# rewritten from asciicast v2\n");
      BigDecimal reached = BigDecimal.ZERO;
      int clamped = 0;
      for (int i = 1; i < lines.length; i++) {
        if (lines[i].isBlank()) {
          continue;
        }
        Event e = event(lines[i]);
        BigDecimal interval = e.time().subtract(reached);
        if (interval.signum() < 0) {
          interval = BigDecimal.ZERO;
          clamped++;
        } else {
          reached = e.time();
        }
        out.append('[').append(decimal(interval)).append(", ").append(JSON.writeValueAsString(e.code()))
            .append(", ").append(JSON.writeValueAsString(e.data())).append("]\n");
      }
      out.append("[0.0, \"x\", \"0\"]\n");
      return new Rewrite(out.toString().getBytes(StandardCharsets.UTF_8), clamped);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode header(JsonNode h) {
    ObjectNode v3 = JSON.createObjectNode();
    v3.put("version", 3);
    ObjectNode term = v3.putObject("term");
    term.put("cols", h.path("width").asInt());
    term.put("rows", h.path("height").asInt());
    if (h.path("env").has("TERM")) {
      term.put("type", h.path("env").path("TERM").asText());
    }
    if (h.has("timestamp")) {
      v3.set("timestamp", h.get("timestamp"));
    }
    for (String key : new String[] {"idle_time_limit", "command", "title"}) {
      if (h.has(key)) {
        v3.set(key, h.get(key));
      }
    }
    if (h.has("env")) {
      ObjectNode env = h.get("env").deepCopy();
      env.remove("TERM");
      if (!env.isEmpty()) {
        v3.set("env", env);
      }
    }
    return v3;
  }

  private record Event(BigDecimal time, String code, String data) {}

  /** One v2 event line, its time read as the exact decimal written. */
  private static Event event(String line) throws IOException {
    try (JsonParser p = JSON.getFactory().createParser(line)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new IOException("not an event array: " + line);
      }
      p.nextToken();
      BigDecimal time = p.getDecimalValue();
      p.nextToken();
      String code = p.getText();
      p.nextToken();
      String data = p.getText();
      return new Event(time, code, data);
    }
  }

  private static String decimal(BigDecimal d) {
    String s = d.stripTrailingZeros().toPlainString();
    return s.contains(".") ? s : s + ".0";
  }
}
