package dev.whodrove.decoder;

import java.nio.charset.StandardCharsets;

/**
 * Packs Teleport {@code SessionPrint} records, straight from their wire bytes, into the serialized bytes of one
 * {@code RecordingEvent} holding a {@code PrintRun}, without building any message object. Print events are nearly
 * every record of a recording; skipping the intermediate objects, and publishing many prints per record, is what
 * keeps decoding near inflate speed. The output is byte-identical to what protobuf's own serializer writes for the
 * same RecordingEvent (canonical field order, packed lists, proto3 defaults omitted), which a test checks against the
 * generic path.
 *
 * <p>Use: {@link #parse} a record; if it returns true and the event is kept, {@link #append} it; {@link #flush} the
 * run before any other event, when {@link #full}, and at the end. A record {@code parse} cannot take (other members,
 * unusual type string, malformed bytes) goes to the generated parser, which also reports real errors. Not
 * thread-safe: one per decode.
 */
final class PrintRecordEncoder {
  /** OneOf field 7 (SessionPrint), wire type 2. */
  static final int ONEOF_PRINT_TAG = (7 << 3) | 2;
  private static final byte[] PRINT = "print".getBytes(StandardCharsets.US_ASCII);
  private static final long GO_ZERO_SECONDS = -62_135_596_800L;
  /** PrintRun.raw. */
  private static final int RAW_FIELD = 10;
  /** A run is flushed at this many prints, or once its raw payloads take this many bytes. */
  static final int MAX_RUN_CHUNKS = 1024;
  static final int MAX_RUN_BYTES = 256 * 1024;

  private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
      long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  private final byte[] sessionIdField;
  private final byte[] typeAndUriFields;
  private final boolean raw;
  /**
   * The open run, one buffer per PrintRun list (column c is field c + 1), each already holding its packed varints:
   * 0 index, 1 time, 2 bytes, 3 delay, 4 chunk index, 5 offset, 6 edit characters, 7 newlines, 8 escape sequences.
   * The delta-coded columns (index, time, delay, chunk index, offset) hold zigzag differences to the previous print.
   */
  private static final int COLUMNS = 9;
  private final byte[][] columns = new byte[COLUMNS][columnBytes(64)];
  /** Prints the column buffers have room for (a varint takes at most 10 bytes, plus 8 spare for word writes). */
  private int rowCapacity = 64;
  private final int[] columnEnd = new int[COLUMNS];
  /** Values of the last appended print, for the deltas. */
  private long lastIndex;
  private long lastTime;
  private long lastDelay;
  private long lastChunk;
  private long lastOffset;
  private long firstIndex;
  private long firstTimeMs;
  /** Raw payloads of the run (print.payload=raw only), back to back, and their lengths. */
  private byte[] raws = new byte[0];
  private int rawsLen;
  private final int[] rawLens = new int[MAX_RUN_CHUNKS];
  private int count;
  private byte[] out;
  private int pos;
  private int w;
  /** SessionPrint's varint fields by field number while parsing: 2 ChunkIndex, 4 Bytes, 5 Delay, 6 Offset. */
  private final long[] fields = new long[7];
  // the data of the record last parsed (raw payloads are copied from it)
  private byte[] src;
  private int dataOff;
  private int dataLen;
  /** Index and time of the record last parsed. */
  long index;
  long timeMs;

  PrintRecordEncoder(String sessionId, String recordingUri, PrintPayload payload) {
    byte[] sid = sessionId.getBytes(StandardCharsets.UTF_8);
    byte[] uri = recordingUri.getBytes(StandardCharsets.UTF_8);
    this.sessionIdField = stringField(1, sid);
    byte[] type = stringField(4, PRINT);
    byte[] uriField = stringField(5, uri);
    this.typeAndUriFields = new byte[type.length + uriField.length];
    System.arraycopy(type, 0, typeAndUriFields, 0, type.length);
    System.arraycopy(uriField, 0, typeAndUriFields, type.length, uriField.length);
    this.raw = payload == PrintPayload.RAW;
    this.out = new byte[8 * 1024];
  }

  /** True when the record holds a print event (its first byte is the SessionPrint tag). */
  static boolean isPrint(byte[] buf, int off, int len) {
    return len > 0 && (buf[off] & 0xFF) == ONEOF_PRINT_TAG;
  }

  /** Buffer holding the last flushed record, from offset 0. */
  byte[] output() {
    return out;
  }

  /**
   * Reads a print record ({@link #index} and {@link #timeMs} are then set); false means the generic path must take
   * it. The record's bytes must stay unchanged until {@link #append}, which counts and copies from them.
   */
  boolean parse(byte[] b, int off, int len) {
    try {
      return parseOrFail(b, off, off + len);
    } catch (IllegalStateException | IndexOutOfBoundsException e) {
      return false;
    }
  }

  private boolean parseOrFail(byte[] b, int start, int end) {
    // Positions live in locals and one-byte varints are decoded inline: this loop runs once per print event.
    int p = start;
    if ((b[p++] & 0xFF) != ONEOF_PRINT_TAG) {
      return false;
    }
    pos = p;
    int msgEnd = lengthEnd(b, end);
    p = pos;
    if (msgEnd != end) {
      return false;
    }
    long index = 0;
    long timeMs = 0;
    boolean typeIsPrint = false;
    long[] fields = this.fields;
    fields[2] = 0;
    fields[4] = 0;
    fields[5] = 0;
    fields[6] = 0;
    int dataOff = 0;
    int dataLen = 0;
    while (p < end) {
      int tag = b[p++];
      if (tag < 0) {
        return false; // multi-byte tag: not a field this message has; let the generic path decide
      }
      switch (tag) {
        case (1 << 3) | 2 -> { // Metadata
          int len = b[p++];
          if (len < 0 || len > end - p) {
            pos = p - 1;
            len = lengthEnd(b, end) - pos; // multi-byte length: slow path
            p = pos;
          }
          int mdEnd = p + len;
          while (p < mdEnd) {
            int t = b[p++];
            if (t == (1 << 3)) {
              byte x = b[p];
              if (x >= 0) {
                index = x;
                p++;
              } else {
                pos = p;
                index = varintSlow(b, mdEnd);
                p = pos;
              }
            } else if (t == ((2 << 3) | 2)) {
              int sl = b[p++];
              if (sl < 0 || sl > mdEnd - p) {
                return false;
              }
              typeIsPrint = sl == 5 && b[p] == 'p' && b[p + 1] == 'r' && b[p + 2] == 'i' && b[p + 3] == 'n'
                  && b[p + 4] == 't';
              p += sl;
            } else if (t == ((5 << 3) | 2)) {
              int tl = b[p++];
              if (tl < 0 || tl > mdEnd - p) {
                return false;
              }
              pos = p;
              timeMs = timestamp(b, p + tl);
              p = pos;
            } else if (t < 0) {
              return false;
            } else {
              pos = p;
              skip(b, t, mdEnd);
              p = pos;
            }
          }
          if (p != mdEnd) {
            return false;
          }
        }
        case (3 << 3) | 2 -> {
          pos = p;
          int dEnd = lengthEnd(b, end);
          dataOff = pos;
          dataLen = dEnd - pos;
          p = dEnd;
        }
        case (2 << 3), (4 << 3), (5 << 3), (6 << 3) -> {
          long v;
          byte x = b[p];
          if (x >= 0) {
            v = x;
            p++;
          } else {
            pos = p;
            v = varintSlow(b, end);
            p = pos;
          }
          fields[tag >>> 3] = v; // indexed by field number: no second dispatch on the tag
        }
        default -> {
          pos = p;
          skip(b, tag, end);
          p = pos;
        }
      }
    }
    if (p != end || !typeIsPrint) {
      return false;
    }
    this.src = b;
    this.dataOff = dataOff;
    this.dataLen = dataLen;
    this.index = index;
    this.timeMs = timeMs;
    return true;
  }

  /** Adds the record last parsed to the run: counts its terminal bytes and writes its column entries. */
  void append() {
    if (count == 0) {
      firstIndex = index;
      firstTimeMs = timeMs;
    }
    if (count == rowCapacity) {
      rowCapacity = Math.min(MAX_RUN_CHUNKS, rowCapacity * 4); // short recordings stay small; a full run is 92 KiB
      for (int col = 0; col < COLUMNS; col++) {
        columns[col] = java.util.Arrays.copyOf(columns[col], columnBytes(rowCapacity));
      }
    }
    long counts = TerminalBytes.count(src, dataOff, dataLen);
    long[] f = fields;
    long delay = f[5];
    long chunk = f[2];
    long offset = f[6];
    byte[][] c = columns;
    int[] e = columnEnd;
    // one straight line per column: this runs for nearly every event of every recording
    e[0] = putVarint(c[0], e[0], zigzag(index - lastIndex));
    e[1] = putVarint(c[1], e[1], zigzag(timeMs - lastTime));
    e[2] = putVarint(c[2], e[2], dataLen > 0 ? dataLen : f[4]); // data stripped upstream: Teleport's own count
    e[3] = putVarint(c[3], e[3], zigzag(delay - lastDelay));
    e[4] = putVarint(c[4], e[4], zigzag(chunk - lastChunk));
    e[5] = putVarint(c[5], e[5], zigzag(offset - lastOffset));
    e[6] = putVarint(c[6], e[6], TerminalBytes.editChars(counts));
    e[7] = putVarint(c[7], e[7], TerminalBytes.newlines(counts));
    e[8] = putVarint(c[8], e[8], TerminalBytes.escapes(counts));
    lastIndex = index;
    lastTime = timeMs;
    lastDelay = delay;
    lastChunk = chunk;
    lastOffset = offset;
    if (raw) {
      if (rawsLen + dataLen > raws.length) {
        raws = java.util.Arrays.copyOf(raws, Math.max(rawsLen + dataLen, Math.max(4096, raws.length * 2)));
      }
      System.arraycopy(src, dataOff, raws, rawsLen, dataLen);
      rawsLen += dataLen;
      rawLens[count] = dataLen;
    }
    count++;
  }

  private static int columnBytes(int rows) {
    return rows * 10 + 8;
  }

  private static long zigzag(long d) {
    return (d << 1) ^ (d >> 63);
  }

  boolean isEmpty() {
    return count == 0;
  }

  /** The run must be flushed before the next {@link #append}. */
  boolean full() {
    return count >= MAX_RUN_CHUNKS || rawsLen >= MAX_RUN_BYTES;
  }

  /** How many prints the run holds. */
  int size() {
    return count;
  }

  /** Writes the run as one RecordingEvent into {@link #output()} and empties it; returns the length. */
  int flush() {
    int runLen = 0;
    for (int col = 0; col < COLUMNS; col++) {
      runLen += packedFieldSize(columnEnd[col]);
    }
    if (raw) {
      for (int i = 0; i < count; i++) {
        runLen += 1 + varintSize(rawLens[i]) + rawLens[i];
      }
    }
    int need = sessionIdField.length + 2 * 11 + typeAndUriFields.length + 2 + 5 + runLen + 8;
    if (need > out.length) {
      out = new byte[Math.max(need, out.length * 2)];
    }
    byte[] o = out;
    w = 0;
    put(sessionIdField);
    writeVarintField(o, 2, firstIndex);
    writeVarintField(o, 3, firstTimeMs);
    put(typeAndUriFields);
    o[w++] = (byte) 0xBA; // field 23, wire type 2: the tag 186 as a two-byte varint
    o[w++] = (byte) 0x01;
    writeVarint(o, runLen);
    for (int col = 0; col < COLUMNS; col++) {
      o[w++] = (byte) ((col + 1) << 3 | 2);
      writeVarint(o, columnEnd[col]);
      System.arraycopy(columns[col], 0, o, w, columnEnd[col]);
      w += columnEnd[col];
    }
    if (raw) {
      int at = 0;
      for (int i = 0; i < count; i++) {
        o[w++] = (byte) (RAW_FIELD << 3 | 2);
        writeVarint(o, rawLens[i]);
        System.arraycopy(raws, at, o, w, rawLens[i]);
        w += rawLens[i];
        at += rawLens[i];
      }
    }
    count = 0;
    rawsLen = 0;
    java.util.Arrays.fill(columnEnd, 0);
    lastIndex = 0;
    lastTime = 0;
    lastDelay = 0;
    lastChunk = 0;
    lastOffset = 0;
    return w;
  }

  /** Writes {@code v} as a varint at {@code w}; returns the end. May scribble up to 8 bytes past it. */
  private static int putVarint(byte[] out, int w, long v) {
    if ((v & ~0x7FL) == 0) {
      out[w] = (byte) v;
      return w + 1;
    }
    if (v >>> 56 == 0) {
      // up to 8 bytes at once: spread the 7-bit groups into bytes, set the continuation bit on all but the last;
      // bytes written past the end are overwritten by what follows, or ignored
      long x = (v & 0x7FL) | ((v << 1) & 0x7F00L) | ((v << 2) & 0x7F0000L) | ((v << 3) & 0x7F000000L)
          | ((v << 4) & 0x7F00000000L) | ((v << 5) & 0x7F0000000000L) | ((v << 6) & 0x7F000000000000L)
          | ((v << 7) & 0x7F00000000000000L);
      int len = varintSize(v);
      LONGS.set(out, w, x | (0x8080808080808080L & ((1L << ((len - 1) << 3)) - 1)));
      return w + len;
    }
    while ((v & ~0x7FL) != 0) {
      out[w++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out[w++] = (byte) v;
    return w;
  }

  private static int packedFieldSize(int payload) {
    return payload == 0 ? 0 : 1 + varintSize(payload) + payload;
  }

  // ---- output ----

  private void put(byte[] bytes) {
    System.arraycopy(bytes, 0, out, w, bytes.length);
    w += bytes.length;
  }

  private void writeVarintField(byte[] out, int field, long value) {
    if (value != 0) {
      out[w++] = (byte) (field << 3);
      writeVarint(out, value);
    }
  }

  private void writeVarint(byte[] out, long v) {
    w = putVarint(out, w, v);
  }

  static int varintSize(long v) {
    // 1 byte per started 7 bits, 10 for negative values (same formula protobuf uses)
    return (640 - Long.numberOfLeadingZeros(v) * 9) >>> 6;
  }

  private static byte[] stringField(int field, byte[] value) {
    if (value.length == 0) {
      return new byte[0]; // proto3 omits empty strings
    }
    byte[] f = new byte[1 + varintSize(value.length) + value.length];
    f[0] = (byte) (field << 3 | 2);
    int i = 1;
    long v = value.length;
    while ((v & ~0x7FL) != 0) {
      f[i++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    f[i++] = (byte) v;
    System.arraycopy(value, 0, f, i, value.length);
    return f;
  }

  // ---- input ----

  private long timestamp(byte[] b, int tsEnd) {
    long seconds = 0;
    long nanos = 0;
    while (pos < tsEnd) {
      long t = varint(b, tsEnd);
      if (t == (1 << 3)) {
        seconds = varint(b, tsEnd);
      } else if (t == (2 << 3)) {
        nanos = (int) varint(b, tsEnd);
      } else {
        skip(b, t, tsEnd);
      }
    }
    if (seconds == 0 && nanos == 0 || seconds <= GO_ZERO_SECONDS) {
      return 0;
    }
    return seconds * 1000 + nanos / 1_000_000;
  }

  private int lengthEnd(byte[] b, int limit) {
    long len = varint(b, limit);
    if (len < 0 || len > limit - pos) {
      throw new IllegalStateException("length overrun");
    }
    return pos + (int) len;
  }

  private void skip(byte[] b, long tag, int limit) {
    if (tag >>> 3 == 0) {
      throw new IllegalStateException("field 0");
    }
    switch ((int) (tag & 7)) {
      case 0 -> varint(b, limit);
      case 1 -> pos += 8;
      case 2 -> pos = lengthEnd(b, limit);
      case 5 -> pos += 4;
      default -> throw new IllegalStateException("wire type");
    }
    if (pos > limit) {
      throw new IllegalStateException("skip overrun");
    }
  }

  private long varint(byte[] b, int limit) {
    int p = pos;
    if (p < limit) {
      byte x = b[p];
      if (x >= 0) { // one-byte varints (tags, small numbers) are the common case
        pos = p + 1;
        return x;
      }
    }
    return varintSlow(b, limit);
  }

  private long varintSlow(byte[] b, int limit) {
    int p = pos;
    if (p + 8 <= b.length) {
      // up to 8 varint bytes at once: find the last byte (high bit clear), then squeeze out the continuation bits
      long x = (long) LONGS.get(b, p);
      long last = ~x & 0x8080808080808080L;
      if (last != 0) {
        int len = (Long.numberOfTrailingZeros(last) >>> 3) + 1;
        if (p + len > limit) {
          throw new IllegalStateException("varint overrun");
        }
        if (len < 8) {
          x &= (1L << (len << 3)) - 1;
        }
        pos = p + len;
        return (x & 0x7FL) | ((x >>> 1) & 0x3F80L) | ((x >>> 2) & 0x1FC000L) | ((x >>> 3) & 0xFE00000L)
            | ((x >>> 4) & 0x7F0000000L) | ((x >>> 5) & 0x3F800000000L) | ((x >>> 6) & 0x1FC0000000000L)
            | ((x >>> 7) & 0xFE000000000000L);
      }
    }
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= limit) {
        throw new IllegalStateException("varint overrun");
      }
      byte x = b[pos++];
      result |= (long) (x & 0x7F) << shift;
      if (x >= 0) {
        return result;
      }
    }
    throw new IllegalStateException("malformed varint");
  }
}
