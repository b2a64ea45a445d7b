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
 * Streams an asciicast v2 recording (what asciinema, Tailscale SSH's recorder and agent harnesses write): a JSON
 * header line, then one {@code [time, code, data]} array per line, {@code time} in seconds since the start.
 * Lines are bounded in length and total bytes are capped, so hostile files cost bounded memory.
 */
public final class AsciicastReader implements AutoCloseable {
  /** Longest accepted line. */
  public static final int MAX_LINE_BYTES = 1024 * 1024;

  /** The header: terminal size and the start time (epoch seconds, 0 when absent). */
  public record Header(int width, int height, long timestamp) {}

  /** One event line: {@code code} is "o" (output), "i" (input), "r" (resize), "m" (marker), … */
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

  public AsciicastReader(InputStream in, long maxBytes) {
    this.in = in;
    this.maxBytes = maxBytes;
  }

  /** Reads and checks the header line (version 2). */
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
    header = new Header(width, height, ts.asLong(0));
    return header;
  }

  /** The next event, or {@code null} at the end of the file. Blank lines are skipped. */
  public Event next() throws IOException {
    header();
    while (readLine()) {
      if (isBlank()) {
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
        double time = p.getDoubleValue();
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
