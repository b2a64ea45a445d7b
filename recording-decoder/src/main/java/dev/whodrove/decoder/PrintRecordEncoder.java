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
  /** PrintRun.raw. */
  private static final int RAW_FIELD = 10;
  /** A run is flushed at this many prints, or once its raw payloads take this many bytes. */
  static final int MAX_RUN_CHUNKS = 1024;
  static final int MAX_RUN_BYTES = 256 * 1024;

  private static final java.lang.invoke.VarHandle SHORTS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
      short[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
  private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
      long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  private final byte[] sessionIdField;
  private final byte[] typeAndUriFields;
  private final boolean raw;
  /**
   * The open run's prints, one row of {@link #ROW} numbers each: index, time, bytes, delay, chunk index, offset, and
   * the packed terminal-byte counts. Columns are encoded only at {@link #flush}, one tight loop each: cheaper per
   * print than writing nine varints as each print arrives.
   */
  private static final int ROW = 7;
  private long[] rows = new long[ROW * 64];
  /** Prints {@link #rows} has room for: short recordings stay small, a full run takes 56 KiB. */
  private int rowCapacity = 64;
  /**
   * The PrintRun lists while flushing (column c is field c + 1), as packed varints: 0 index, 1 time, 2 bytes,
   * 3 delay, 4 chunk index, 5 offset, 6 edit characters, 7 newlines, 8 escape sequences. The delta-coded columns
   * (index, time, delay, chunk index, offset) hold zigzag differences to the previous print.
   */
  private static final int COLUMNS = 9;
  private final byte[][] columns = new byte[COLUMNS][0];
  private final int[] columnEnd = new int[COLUMNS];
  private long firstIndex;
  private long firstTimeMs;
  /** Raw payloads of the run (decoder.print.payload=raw only), back to back, and their lengths. */
  private byte[] raws = new byte[0];
  private int rawsLen;
  private final int[] rawLens = new int[MAX_RUN_CHUNKS];
  private int count;
  private byte[] out;
  private int pos;
  private int w;
  /**
   * Varint fields by field number while parsing: SessionPrint's 2 ChunkIndex, 4 Bytes, 5 Delay, 6 Offset, and in
   * slot 1 (SessionPrint's field 1 is the Metadata message) the Metadata's own field 1, Index.
   */
  private final long[] fields = new long[7];
  /** Timestamp's varint fields by field number while parsing: 1 seconds, 2 nanos. */
  private final long[] timestamp = new long[3];
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
    if (off + len + 8 <= b.length) {
      try {
        if (parseCanonical(b, off, off + len)) {
          return true;
        }
      } catch (IndexOutOfBoundsException e) {
        // a damaged length sent it off the array: the field loop decides
      }
    }
    try {
      return parseOrFail(b, off, off + len);
    } catch (IllegalStateException | IndexOutOfBoundsException e) {
      return false;
    }
  }

  /** Bytes 0-6 of a Metadata.Type field holding "print" (tag, length 5, the letters), as a little-endian word. */
  private static final long PRINT_TYPE_WORD = 0x12L | 0x05L << 8 | (long) 'p' << 16 | (long) 'r' << 24
      | (long) 'i' << 32 | (long) 'n' << 40 | (long) 't' << 48;

  /**
   * The layout Teleport writes, read without a loop: fields in field-number order, each looked for at one place, so
   * every position follows from predicted branches (is this field here? how long is this varint?) instead of from
   * the byte just loaded. The CPU then reads ahead rather than waiting on one load after another; that chain of
   * loads was most of the cost of the general loop. Anything else (other fields, other order, long varints) returns
   * false for {@link #parseOrFail}. Positions only move forward and every message must end exactly where its
   * length says, so a true result used no byte outside the record. Reads whole words, so it needs 8 readable bytes
   * past {@code end}; a damaged length may also run it off the array.
   */
  boolean parseCanonical(byte[] b, int start, int end) {
    int p = start + 1; // the OneOf tag, checked by isPrint
    long x = word(b, p);
    int n = varintLength(x);
    if (n == 0 || p + n + varint(x, n) != end) {
      return false;
    }
    p += n;
    if (b[p] != ((1 << 3) | 2)) { // Metadata, under 128 bytes
      return false;
    }
    int mdLen = b[p + 1];
    if (mdLen < 0) {
      return false;
    }
    p += 2;
    int mdEnd = p + mdLen;
    p = varintField(b, p, mdEnd, 1, fields); // Index
    if (p < 0 || (word(b, p) & 0x00FF_FFFF_FFFF_FFFFL) != PRINT_TYPE_WORD) {
      return false;
    }
    p += 7;
    long timeMs = 0;
    if (p < mdEnd && b[p] == ((5 << 3) | 2)) { // Time; ID and Code, empty for prints, are not expected before it
      int tsLen = b[p + 1];
      if (tsLen < 0) {
        return false;
      }
      p += 2;
      int tsEnd = p + tsLen;
      p = varintField(b, p, tsEnd, 1, timestamp); // seconds
      p = varintField(b, p, tsEnd, 2, timestamp); // nanos
      if (p != tsEnd) {
        return false;
      }
      if (!EventTimes.valid(timestamp[1], (int) timestamp[2])) {
        return false; // the generic path refuses it with the reason
      }
      timeMs = EventTimes.millis(timestamp[1], (int) timestamp[2]); // nanos is an int32: its low 32 bits, as protobuf reads it
    }
    if (p < mdEnd && b[p] == ((6 << 3) | 2)) { // ClusterName: skipped
      int clusterLen = b[p + 1];
      if (clusterLen < 0) {
        return false;
      }
      p += 2 + clusterLen;
    }
    if (p != mdEnd) {
      return false;
    }
    // from the length read early, not from the metadata's own fields: the rest need not wait for them
    p = varintField(b, mdEnd, end, 2, fields); // ChunkIndex
    if (p < 0) {
      return false;
    }
    int dataOff = p;
    int dataLen = 0;
    if (p < end && b[p] == ((3 << 3) | 2)) {
      x = word(b, p + 1);
      n = varintLength(x);
      if (n == 0 || n > 3) {
        return false;
      }
      dataLen = (int) varint(x, n);
      dataOff = p + 1 + n;
      p = dataOff + dataLen;
    }
    p = varintField(b, p, end, 4, fields); // Bytes
    p = varintField(b, p, end, 5, fields); // DelayMilliseconds
    p = varintField(b, p, end, 6, fields); // Offset
    if (p != end) {
      return false;
    }
    this.src = b;
    this.dataOff = dataOff;
    this.dataLen = dataLen;
    this.index = fields[1];
    this.timeMs = timeMs;
    return true;
  }

  /**
   * The optional varint field {@code number} if it is at {@code p} (under {@code limit}) into {@code into[number]}, 0
   * if it is not there; returns the position after it, or -1 (which stays negative through further calls) for a
   * varint over eight bytes. Inlined at each use, so each field keeps branches of its own.
   */
  private static int varintField(byte[] b, int p, int limit, int number, long[] into) {
    long v = 0;
    if (p >= 0 && p < limit && b[p] == number << 3) {
      long x = word(b, p + 1);
      int n = varintLength(x);
      if (n == 0) {
        return -1;
      }
      v = varint(x, n);
      p += 1 + n;
    }
    into[number] = v;
    return p;
  }

  private static long word(byte[] b, int p) {
    return (long) LONGS.get(b, p);
  }

  /**
   * Length of the varint starting in the low byte of {@code x}, or 0 if longer than 8 bytes. A chain of branches on
   * purpose: each call site sees the same length again and again, and a predicted length lets the next read start
   * at once.
   */
  private static int varintLength(long x) {
    if ((x & 0x80L) == 0) {
      return 1;
    }
    if ((x & 0x8000L) == 0) {
      return 2;
    }
    if ((x & 0x80_0000L) == 0) {
      return 3;
    }
    if ((x & 0x8000_0000L) == 0) {
      return 4;
    }
    if ((x & 0x80_0000_0000L) == 0) {
      return 5;
    }
    if ((x & 0x8000_0000_0000L) == 0) {
      return 6;
    }
    if ((x & 0x80_0000_0000_0000L) == 0) {
      return 7;
    }
    if ((x & 0x8000_0000_0000_0000L) == 0) {
      return 8;
    }
    return 0;
  }

  /** Value of the {@code n}-byte varint (1..8) in the low bytes of {@code x}. */
  private static long varint(long x, int n) {
    if (n == 1) {
      return x & 0x7F;
    }
    x &= -1L >>> (64 - (n << 3));
    // squeeze out the continuation bits in three halving steps: 7-bit groups, then 14-bit, then 28-bit
    x = (x & 0x007F_007F_007F_007FL) | ((x & 0x7F00_7F00_7F00_7F00L) >>> 1);
    x = (x & 0x0000_3FFF_0000_3FFFL) | ((x & 0x3FFF_0000_3FFF_0000L) >>> 2);
    return (x & 0x0FFF_FFFFL) | ((x & 0x0FFF_FFFF_0000_0000L) >>> 4);
  }

  /** Any SessionPrint, field by field: the records {@link #parseCanonical} does not take. */
  private boolean parseOrFail(byte[] b, int start, int end) {
    pos = start;
    if ((b[pos++] & 0xFF) != ONEOF_PRINT_TAG || lengthEnd(b, end) != end) {
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
    while (pos < end) {
      int tag = b[pos++];
      if (tag < 0) {
        return false; // multi-byte tag: not a field this message has; let the generic path decide
      }
      switch (tag) {
        case (1 << 3) | 2 -> { // Metadata
          int mdEnd = lengthEnd(b, end);
          while (pos < mdEnd) {
            int t = b[pos++];
            if (t == (1 << 3)) {
              index = varint(b, mdEnd);
            } else if (t == ((2 << 3) | 2)) {
              int typeEnd = lengthEnd(b, mdEnd);
              typeIsPrint = java.util.Arrays.equals(b, pos, typeEnd, PRINT, 0, PRINT.length);
              pos = typeEnd;
            } else if (t == ((5 << 3) | 2)) {
              timeMs = timestamp(b, lengthEnd(b, mdEnd));
            } else if (t < 0) {
              return false;
            } else {
              skip(b, t, mdEnd);
            }
          }
        }
        case (3 << 3) | 2 -> {
          int dataEnd = lengthEnd(b, end);
          dataOff = pos;
          dataLen = dataEnd - pos;
          pos = dataEnd;
        }
        case (2 << 3), (4 << 3), (5 << 3), (6 << 3) -> fields[tag >>> 3] = varint(b, end); // by field number
        default -> skip(b, tag, end);
      }
    }
    if (!typeIsPrint) {
      return false;
    }
    this.src = b;
    this.dataOff = dataOff;
    this.dataLen = dataLen;
    this.index = index;
    this.timeMs = timeMs;
    return true;
  }

  /** PrintChunk.bytes of the record last parsed: its data's length, or Teleport's own count when data was stripped. */
  long parsedBytes() {
    return dataLen > 0 ? dataLen : fields[4];
  }

  /** PrintChunk.delay_ms of the record last parsed. */
  long parsedDelayMs() {
    return fields[5];
  }

  /** PrintChunk.chunk_index of the record last parsed. */
  long parsedChunkIndex() {
    return fields[2];
  }

  /** PrintChunk.offset of the record last parsed. */
  long parsedOffset() {
    return fields[6];
  }

  /** Terminal-byte counts of the record last parsed, packed as {@link TerminalBytes#count} packs them. */
  long parsedCounts() {
    return TerminalBytes.count(src, dataOff, dataLen);
  }

  /** Adds a print given by its numbers to the run ({@link #append} adds its raw payload first, when there is one). */
  void appendRow(long index, long timeMs, long bytes, long delayMs, long chunkIndex, long offset, long counts) {
    if (count == 0) {
      firstIndex = index;
      firstTimeMs = timeMs;
    }
    if (count == rowCapacity) {
      rowCapacity = Math.min(MAX_RUN_CHUNKS, rowCapacity * 4);
      rows = java.util.Arrays.copyOf(rows, ROW * rowCapacity);
    }
    long[] r = rows;
    int at = count * ROW;
    r[at] = index;
    r[at + 1] = timeMs;
    r[at + 2] = bytes;
    r[at + 3] = delayMs;
    r[at + 4] = chunkIndex;
    r[at + 5] = offset;
    r[at + 6] = counts;
    count++;
  }

  /** Adds the record last parsed to the run and counts its terminal bytes. */
  void append() {
    if (raw) {
      if (rawsLen + dataLen > raws.length) {
        raws = java.util.Arrays.copyOf(raws, Math.max(rawsLen + dataLen, Math.max(4096, raws.length * 2)));
      }
      System.arraycopy(src, dataOff, raws, rawsLen, dataLen);
      rawsLen += dataLen;
      rawLens[count] = dataLen;
    }
    appendRow(index, timeMs, parsedBytes(), parsedDelayMs(), parsedChunkIndex(), parsedOffset(), parsedCounts());
  }

  /** Encodes row field {@code k} of every print as column {@code col}: zigzag deltas to the previous print. */
  private void deltaColumn(int col, int k) {
    byte[] c = column(col);
    long[] r = rows;
    int end = count * ROW;
    int w = 0;
    long last = 0;
    for (int at = k; at < end; at += ROW) {
      long v = r[at];
      w = putVarint(c, w, zigzag(v - last));
      last = v;
    }
    columnEnd[col] = w;
  }

  /** Encodes row field {@code k} of every print, shifted right by {@code shift} and masked, as column {@code col}. */
  private void plainColumn(int col, int k, int shift, long mask) {
    byte[] c = column(col);
    long[] r = rows;
    int end = count * ROW;
    int w = 0;
    for (int at = k; at < end; at += ROW) {
      w = putVarint(c, w, (r[at] >>> shift) & mask);
    }
    columnEnd[col] = w;
  }

  private byte[] column(int col) {
    if (columns[col].length < columnBytes(count)) {
      columns[col] = new byte[columnBytes(rowCapacity)];
    }
    return columns[col];
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
    deltaColumn(0, 0);
    deltaColumn(1, 1);
    plainColumn(2, 2, 0, -1L);
    deltaColumn(3, 3);
    deltaColumn(4, 4);
    deltaColumn(5, 5);
    plainColumn(6, 6, 0, TerminalBytes.FIELD_MASK);
    plainColumn(7, 6, TerminalBytes.FIELD_BITS, TerminalBytes.FIELD_MASK);
    plainColumn(8, 6, 2 * TerminalBytes.FIELD_BITS, TerminalBytes.FIELD_MASK);
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
    return w;
  }

  /** Writes {@code v} as a varint at {@code w}; returns the end. May scribble up to 8 bytes past it. */
  private static int putVarint(byte[] out, int w, long v) {
    if ((v & ~0x7FL) == 0) { // a column's values tend to be alike, so this branch is well predicted
      out[w] = (byte) v;
      return w + 1;
    }
    if ((v & ~0x3FFFL) == 0) {
      // one or two bytes, nearly every column entry: both bytes written, the second kept only if needed
      int hi = (int) v >>> 7;
      int more = (hi + 0x7F) >>> 7; // 1 when hi > 0
      SHORTS.set(out, w, (short) (((int) v & 0x7F) | more << 7 | hi << 8));
      return w + 1 + more;
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
    if (!EventTimes.valid(seconds, nanos)) {
      throw new IllegalStateException("time out of range"); // the generic path refuses it with the reason
    }
    return EventTimes.millis(seconds, nanos);
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
      long x = word(b, p);
      int len = varintLength(x);
      if (len != 0) {
        if (p + len > limit) {
          throw new IllegalStateException("varint overrun");
        }
        pos = p + len;
        return varint(x, len);
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
