package dev.whodrove.decoder;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Streams an asciicast recording: a JSON header line, then one {@code [time, code, data]} array per line.
 *
 * <ul>
 *   <li>v2 (asciinema 2.x, Tailscale SSH's recorder, agent harnesses): {@code width}/{@code height} in the header,
 *       {@code time} in seconds since the start, passed through as written.</li>
 *   <li>v3 (asciinema 3.x): {@code term.cols}/{@code term.rows} in the header, {@code time} is the interval since the
 *       previous event, lines starting with {@code #} are comments. Intervals are summed in whole nanoseconds, so
 *       thousands of events do not drift the way a running floating-point sum would, and an event's time is then the
 *       same double a v2 file holding the absolute time would give. A negative, non-finite or absurd interval (over
 *       {@link #MAX_INTERVAL_SECONDS}), or a recording longer than {@link #MAX_DURATION_SECONDS}, stops the read.</li>
 * </ul>
 *
 * <p>Lines are bounded in length and total bytes are capped, so hostile files cost bounded memory.
 */
public final class AsciicastReader implements AutoCloseable {
  /** Longest accepted line. */
  public static final int MAX_LINE_BYTES = 1024 * 1024;

  /** Longest gap between two v3 events: 30 days (a terminal idle longer than that is not a recording). */
  public static final long MAX_INTERVAL_SECONDS = 30L * 24 * 3600;

  /** Longest v3 recording: 366 days from its start to its last event. */
  public static final long MAX_DURATION_SECONDS = 366L * 24 * 3600;

  /** Latest accepted v3 start time, epoch seconds (9999-12-31T23:59:59Z): keeps epoch milliseconds in range. */
  static final long MAX_TIMESTAMP_SECONDS = 253_402_300_799L;

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  /** The header: format version (2 or 3), terminal size and the start time (epoch seconds, 0 when absent). */
  public record Header(int version, int width, int height, long timestamp) {}

  /**
   * One event line: {@code code} is "o" (output), "i" (input), "r" (resize), "m" (marker), "x" (exit, v3), …; {@code
   * time} is seconds since the start (v3 intervals already summed).
   */
  public record Event(double time, String code, String data, long line, long byteOffset) {}

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory JSON = MAPPER.getFactory();

  private final InputStream in;
  private final long maxBytes;
  private final byte[] buf = new byte[64 * 1024];
  private int pos;
  private int lim;
  private long base;
  private byte[] line = new byte[4096];
  private int lineLen;
  private long lineNo;
  private long lineOffset;
  private Header header;
  /** v3: nanoseconds from the start to the last event read. */
  private long elapsedNanos;

  public AsciicastReader(InputStream in, long maxBytes) {
    this.in = in;
    this.maxBytes = maxBytes;
  }

  /** Reads and checks the header line (version 2 or 3). */
  public Header header() throws IOException {
    if (header != null) {
      return header;
    }
    if (!readLine()) {
      throw new RecordingDecodeException("asciicast", 0, "asciicast file has no header line");
    }
    JsonNode h;
    try {
      h = MAPPER.readTree(line, 0, lineLen);
    } catch (IOException e) {
      throw new RecordingDecodeException("asciicast", 0, "asciicast header at line 1 is not JSON: "
          + e.getMessage().lines().findFirst().orElse(""), e);
    }
    if (h == null || !h.isObject()) {
      throw new RecordingDecodeException("asciicast", 0, "asciicast header at line 1 is not a JSON object");
    }
    int version = h.path("version").asInt(-1);
    if (version == 3) {
      header = v3Header(h);
      return header;
    }
    if (version != 2) {
      throw new RecordingDecodeException("unsupported-format", 0, "unsupported format asciicast-v"
          + (version < 0 ? "unknown" : Integer.toString(version)));
    }
    JsonNode term = h.path("term");
    int width = h.has("width") ? h.path("width").asInt() : term.path("cols").asInt();
    int height = h.has("height") ? h.path("height").asInt() : term.path("rows").asInt();
    JsonNode ts = h.path("timestamp");
    if (!ts.isMissingNode() && !ts.isNull() && !(ts.isIntegralNumber() && ts.canConvertToLong())) {
      // asLong would wrap a huge integer or clamp a float: refuse instead of inventing a start time
      throw new RecordingDecodeException("bad-time", 0, "asciicast header timestamp " + truncate(ts.toString())
          + " is not a whole number of seconds");
    }
    header = new Header(2, width, height, ts.asLong(0));
    return header;
  }

  /** The v3 header: a {@code term} object with the size, and an optional whole-second start time. */
  private static Header v3Header(JsonNode h) throws RecordingDecodeException {
    JsonNode term = h.get("term");
    if (term == null || !term.isObject()) {
      throw badHeader("has no term object");
    }
    int cols = termSize(term, "cols");
    int rows = termSize(term, "rows");
    long timestamp = 0;
    JsonNode ts = h.get("timestamp");
    if (ts != null && !ts.isNull()) {
      if (!ts.isIntegralNumber() || !ts.canConvertToLong() || ts.asLong() < 0
          || ts.asLong() > MAX_TIMESTAMP_SECONDS) {
        throw badHeader("timestamp " + truncate(ts.toString()) + " is not a Unix time in whole seconds");
      }
      timestamp = ts.asLong();
    }
    return new Header(3, cols, rows, timestamp);
  }

  private static int termSize(JsonNode term, String field) throws RecordingDecodeException {
    JsonNode n = term.get(field);
    if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0 || n.asInt() > 65_535) {
      throw badHeader("term." + field + " is " + (n == null ? "missing" : truncate(n.toString()))
          + ", not a whole number from 0 to 65535");
    }
    return n.asInt();
  }

  private static RecordingDecodeException badHeader(String why) {
    return new RecordingDecodeException("asciicast", 0, "asciicast v3 header at line 1 " + why);
  }

  /** The next event, or {@code null} at the end of the file. Blank lines (and v3 comment lines) are skipped. */
  public Event next() throws IOException {
    header();
    boolean v3 = header.version() == 3;
    while (readLine()) {
      if (isBlank() || v3 && line[0] == '#') {
        continue;
      }
      try (JsonParser p = JSON.createParser(line, 0, lineLen)) {
        if (p.nextToken() != JsonToken.START_ARRAY) {
          throw malformed("not a JSON array");
        }
        JsonToken t = p.nextToken();
        if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) {
          throw malformed("time is not a number");
        }
        double time = v3 ? advance(p.getDoubleValue()) : p.getDoubleValue();
        if (p.nextToken() != JsonToken.VALUE_STRING) {
          throw malformed("event code is not a string");
        }
        String code = p.getText();
        if (p.nextToken() != JsonToken.VALUE_STRING) {
          throw malformed("event data is not a string");
        }
        String data = p.getText();
        if (p.nextToken() != JsonToken.END_ARRAY) {
          throw malformed("more than three elements");
        }
        return new Event(time, code, data, lineNo, lineOffset);
      } catch (RecordingDecodeException e) {
        throw e;
      } catch (IOException e) {
        throw malformed(e.getMessage().lines().findFirst().orElse("invalid JSON"));
      }
    }
    return null;
  }

  /**
   * Adds a v3 interval to the running time and returns the event's time in seconds. Each interval is rounded to the
   * nanosecond once and the sum is kept in whole nanoseconds (exact, bounded); dividing that sum gives the closest
   * double to the event's time (below 104 days, where a double holds every nanosecond count), the value a v2 file
   * writing the same time in decimal would give.
   */
  private double advance(double interval) throws RecordingDecodeException {
    if (Double.isNaN(interval) || Double.isInfinite(interval)) {
      throw malformed("interval is not a finite number");
    }
    if (interval < 0) {
      throw malformed("interval " + interval + " s is negative (v3 times are gaps since the previous event)");
    }
    if (interval > MAX_INTERVAL_SECONDS) {
      throw malformed("interval " + interval + " s is longer than " + MAX_INTERVAL_SECONDS + " s");
    }
    long nanos = Math.round(interval * NANOS_PER_SECOND); // at most 2.6e15: exact in a double and a long
    elapsedNanos += nanos; // both terms are bounded (the sum is checked below), so this cannot overflow
    if (elapsedNanos > MAX_DURATION_SECONDS * NANOS_PER_SECOND) {
      throw malformed("the recording would last longer than " + MAX_DURATION_SECONDS + " s");
    }
    return elapsedNanos / (double) NANOS_PER_SECOND;
  }

  /** Bytes consumed so far. */
  public long position() {
    return base + pos;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  private static String truncate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "…";
  }

  private RecordingDecodeException malformed(String why) {
    return new RecordingDecodeException("asciicast", lineOffset, "malformed asciicast event at line " + lineNo
        + " (byte offset " + lineOffset + "): " + why);
  }

  private boolean isBlank() {
    for (int i = 0; i < lineLen; i++) {
      byte b = line[i];
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  private boolean readLine() throws IOException {
    lineLen = 0;
    lineOffset = position();
    boolean any = false;
    while (true) {
      if (pos == lim) {
        base += lim;
        pos = 0;
        lim = 0;
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
          if (any) {
            lineNo++;
          }
          return any;
        }
        lim = n;
        if (base + lim > maxBytes) {
          throw new RecordingDecodeException("decompressed-cap", base, "asciicast file exceeds the cap of "
              + maxBytes + " bytes");
        }
        continue;
      }
      any = true;
      int start = pos;
      while (pos < lim && buf[pos] != '\n') {
        pos++;
      }
      append(start, pos - start);
      if (pos < lim) {
        pos++; // the newline
        lineNo++;
        return true;
      }
    }
  }

  private void append(int from, int len) throws RecordingDecodeException {
    if (lineLen + len > MAX_LINE_BYTES) {
      throw new RecordingDecodeException("asciicast", lineOffset, "asciicast line " + (lineNo + 1)
          + " at byte offset " + lineOffset + " is longer than " + MAX_LINE_BYTES + " bytes");
    }
    if (lineLen + len > line.length) {
      byte[] bigger = new byte[Math.min(MAX_LINE_BYTES, Math.max(line.length * 2, lineLen + len))];
      System.arraycopy(line, 0, bigger, 0, lineLen);
      line = bigger;
    }
    System.arraycopy(buf, from, line, lineLen, len);
    lineLen += len;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
