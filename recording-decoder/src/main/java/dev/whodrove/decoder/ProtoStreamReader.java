package dev.whodrove.decoder;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.whodrove.schemas.teleport.OneOf;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Streams the events of a Teleport ProtoStream recording (V1, and V2 parts without encryption) one at a time.
 *
 * <p>An object is a sequence of parts: a big-endian header (version, body size, padding size, and for V2 a flags
 * word), a body holding exactly one gzip member of length-prefixed {@code events.OneOf} records, then padding.
 * Only one member per part is read, as Teleport does; whatever follows it inside the body is skipped. Event indexes
 * that repeat or go backwards are dropped and counted, exactly like Teleport's reader, so the output matches what
 * Teleport itself would play back.
 *
 * <p>Memory is bounded by two fixed buffers whatever the recording's size. Problems with the bytes raise
 * {@link RecordingDecodeException} naming the byte offset; failures of the underlying stream stay plain
 * {@link IOException}s (retryable). Not thread-safe.
 */
public final class ProtoStreamReader implements AutoCloseable {
  public static final int V1_HEADER_BYTES = 24;
  public static final int V2_HEADER_BYTES = 32;
  public static final int RECORD_HEADER_BYTES = 4;
  private static final int FLAG_ENCRYPTED = 0x01;
  private static final java.lang.invoke.VarHandle BIG_ENDIAN_INTS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.BIG_ENDIAN);
  private static final int TAG_1_LENGTH_DELIMITED = (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int TAG_1_VARINT = (1 << 3) | WireFormat.WIRETYPE_VARINT;
  private static final int IN_BUFFER = 256 * 1024;
  private static final int OUT_BUFFER = 256 * 1024;
  /** Left unfilled at the end of the output buffer: readers of a record may load whole words past its end. */
  private static final int WORD_SLACK = 8;

  /** Decode statistics, Teleport's counters plus sizes. */
  public record Stats(long totalEvents, long skippedEvents, long outOfOrderEvents, int parts,
      long decompressedBytes, long bytesRead, long danglingBytes) {}

  private final InputStream in;
  private final DecodeLimits limits;
  private byte[] inBuf = new byte[IN_BUFFER];
  private int inPos;
  private int inLim;
  private long inBase; // object offset of inBuf[0]
  private final byte[] outBuf = new byte[OUT_BUFFER];
  private int outPos;
  private int outLim;
  private final Inflater inflater = new Inflater(true);
  private final CRC32 crc = new CRC32();
  private final byte[] header = new byte[V2_HEADER_BYTES];

  private boolean inBody;
  private boolean memberDone;
  private long bodyRemaining;
  private long paddingSize;
  private long partStart;
  private long memberInflated;
  private int recStart;
  private int recLen;
  private boolean sawV2;

  private final IndexDedup dedup = new IndexDedup();
  private int parts;
  private long decompressedBytes;
  private long danglingBytes;

  public ProtoStreamReader(InputStream in, DecodeLimits limits) {
    this.in = in;
    this.limits = limits;
  }

  /**
   * Where a reader that starts inside an object begins: the object offset of the stream's first byte, the parts
   * before it and the bytes they inflated to. Offsets, part numbers and the decompression cap in its errors are then
   * those of the whole object.
   */
  record Start(long offset, int partsBefore, long decompressedBefore) {}

  /** A reader of {@code in}, which holds the object from {@code start} on. */
  ProtoStreamReader(InputStream in, DecodeLimits limits, Start start) {
    this(in, limits);
    this.inBase = start.offset();
    this.parts = start.partsBefore();
    this.decompressedBytes = start.decompressedBefore();
  }

  /** A reader of {@code bytes[0, length)}, the object from {@code start} on, read in place rather than copied. */
  ProtoStreamReader(byte[] bytes, int length, DecodeLimits limits, Start start) {
    this(InputStream.nullInputStream(), limits, start);
    this.inBuf = bytes;
    this.inLim = length;
  }

  public ProtoStreamReader(InputStream in) {
    this(in, DecodeLimits.defaults());
  }

  /** The next event in recording order, or {@code null} at the end of the recording. */
  public OneOf next() throws IOException {
    return advance() ? event() : null;
  }

  /**
   * Moves to the next record that survives the index dedup, without building the event; its bytes are then
   * available through {@link #recordBuffer()}, {@link #recordOffset()}, {@link #recordLength()} until the next call.
   * Lets hot paths read common events straight from the buffer.
   *
   * @return false at the end of the recording
   */
  public boolean advance() throws IOException {
    while (nextRaw()) {
      if (keep(currentIndex())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Moves to the next record as stored, before the dedup rule: callers that read the index themselves (the print
   * fast path) then call {@link #keep(long)}. Prefer {@link #advance()} otherwise.
   *
   * @return false at the end of the recording
   */
  public boolean nextRaw() throws IOException {
    while (true) {
      if (!inBody) {
        if (!startPart()) {
          return false;
        }
        continue;
      }
      if (nextRecord()) {
        return true;
      }
      finishPart();
    }
  }

  /**
   * Teleport's rule for the current record with event index {@code index}: counts it, and returns false (dropped)
   * when the index repeats or goes backwards. Call exactly once per raw record.
   */
  public boolean keep(long index) {
    return dedup.keep(index);
  }

  /** Event index of the current raw record, read from its metadata without building the event. */
  public long currentIndex() throws RecordingDecodeException {
    return indexOf(outBuf, recStart, recLen, currentRecordOffset());
  }

  /** The current record as a parsed {@code events.OneOf}. */
  public OneOf event() throws RecordingDecodeException {
    try {
      return OneOf.parser().parseFrom(outBuf, recStart, recLen);
    } catch (InvalidProtocolBufferException e) {
      throw new RecordingDecodeException("protobuf", partStart, "record at decompressed offset "
          + currentRecordOffset() + " of part " + parts + " (part at byte offset " + partStart
          + ") is not a valid events.OneOf: " + e.getMessage(), e);
    }
  }

  /**
   * Buffer holding the current record (valid until the next {@link #advance()}); at least 8 bytes of the buffer
   * follow the record.
   */
  public byte[] recordBuffer() {
    return outBuf;
  }

  public int recordOffset() {
    return recStart;
  }

  public int recordLength() {
    return recLen;
  }

  /** Event index of the current record. */
  public long recordIndex() {
    return dedup.lastIndex();
  }

  private long currentRecordOffset() {
    return memberInflated - (outLim - outPos) - recLen - RECORD_HEADER_BYTES;
  }

  public Stats stats() {
    return new Stats(dedup.totalEvents(), dedup.skippedEvents(), dedup.outOfOrderEvents(), parts, decompressedBytes,
        inBase + inPos, danglingBytes);
  }

  /** V2 once any V2 part was read, else V1. */
  public RecordingFormat format() {
    return sawV2 ? RecordingFormat.PROTOSTREAM_V2 : RecordingFormat.PROTOSTREAM_V1;
  }

  /** Bytes of the object consumed so far. */
  public long position() {
    return inBase + inPos;
  }

  /** Frees the inflater's native memory now rather than when the reader is collected; the stream stays open. */
  void closeInflater() {
    inflater.end();
  }

  @Override
  public void close() throws IOException {
    inflater.end();
    in.close();
  }

  // ---- parts ----

  private boolean startPart() throws IOException {
    long at = position();
    int n = readRaw(header, 0, 8);
    if (n == 0) {
      if (limits.objectSize() >= 0 && at < limits.objectSize()) {
        throw new IOException("stream ended at byte offset " + at + ", before the object size " + limits.objectSize());
      }
      return false;
    }
    if (n < 8) {
      throw truncated(at + n, "truncated part header at byte offset " + at + " (" + n + " of 8 version bytes)");
    }
    long version = getLong(header, 0);
    if (version != 1 && version != 2) {
      throw new RecordingDecodeException("part-version", at, "unsupported ProtoStream part version "
          + Long.toUnsignedString(version) + " at byte offset " + at + " (part " + (parts + 1) + ")");
    }
    int headerBytes = version == 1 ? V1_HEADER_BYTES : V2_HEADER_BYTES;
    int got = readRaw(header, 8, headerBytes - 8);
    if (got < headerBytes - 8) {
      throw truncated(at + 8 + got, "truncated part header at byte offset " + at + " (" + (8 + got) + " of "
          + headerBytes + " bytes)");
    }
    long partSize = getLong(header, 8);
    long padding = getLong(header, 16);
    if (parts >= limits.maxParts()) {
      throw new RecordingDecodeException("too-many-parts", at, "more than " + limits.maxParts()
          + " parts: part " + (parts + 1) + " starts at byte offset " + at);
    }
    checkSize("part size", partSize, at, at + headerBytes);
    checkSize("padding size", padding, at, partSize < 0 ? -1 : at + headerBytes + partSize);
    if (version == 2) {
      sawV2 = true;
      if ((header[24] & FLAG_ENCRYPTED) != 0) {
        throw new RecordingDecodeException("encrypted-part", at, "encrypted part at byte offset " + at + " (part "
            + (parts + 1) + ", ProtoStream V2 with recording encryption): needs the cluster's decryption key");
      }
    }
    parts++;
    partStart = at;
    paddingSize = padding;
    if (partSize == 0) {
      skipRaw(padding, "padding of part " + parts);
      return true;
    }
    bodyRemaining = partSize;
    readGzipHeader();
    inflater.reset();
    crc.reset();
    outPos = 0;
    outLim = 0;
    memberInflated = 0;
    memberDone = false;
    inBody = true;
    return true;
  }

  private void checkSize(String what, long value, long partAt, long from) throws RecordingDecodeException {
    if (value < 0) {
      throw new RecordingDecodeException("part-size", partAt, what + " " + Long.toUnsignedString(value)
          + " of the part at byte offset " + partAt + " is out of range");
    }
    long size = limits.objectSize();
    if (size >= 0 && from >= 0 && value > size - from) {
      throw new RecordingDecodeException("part-size", partAt, what + " " + value + " of the part at byte offset "
          + partAt + " runs beyond the object length " + size);
    }
  }

  private void finishPart() throws IOException {
    // Teleport reads one gzip member per part; anything after it inside the body is dropped ("dangling data").
    danglingBytes += bodyRemaining;
    skipRaw(bodyRemaining, "body of part " + parts);
    bodyRemaining = 0;
    skipRaw(paddingSize, "padding of part " + parts);
    inBody = false;
  }

  // ---- records ----

  /** Positions recStart/recLen on the next record of the current member; false at the member's clean end. */
  private boolean nextRecord() throws IOException {
    if (!ensureOut(RECORD_HEADER_BYTES)) {
      int left = outLim - outPos;
      if (left == 0) {
        return false;
      }
      throw new RecordingDecodeException("truncated-record", partStart, "gzip stream of part " + parts
          + " (part at byte offset " + partStart + ") ends inside a record length prefix (" + left + " of 4 bytes)");
    }
    int len = (int) BIG_ENDIAN_INTS.get(outBuf, outPos);
    if (len <= 0 || len > DecodeLimits.MAX_RECORD_BYTES) {
      throw new RecordingDecodeException("record-size", partStart, "record size " + Integer.toUnsignedString(len)
          + " at decompressed offset " + (memberInflated - (outLim - outPos)) + " of part " + parts
          + " (part at byte offset " + partStart + "); expected 1.." + DecodeLimits.MAX_RECORD_BYTES);
    }
    outPos += RECORD_HEADER_BYTES;
    if (!ensureOut(len)) {
      throw new RecordingDecodeException("truncated-record", partStart, "gzip stream of part " + parts
          + " (part at byte offset " + partStart + ") ends inside the record at decompressed offset "
          + (memberInflated - (outLim - outPos) - RECORD_HEADER_BYTES) + " (" + (outLim - outPos) + " of " + len
          + " bytes)");
    }
    recStart = outPos;
    recLen = len;
    outPos += len;
    return true;
  }

  /** Makes at least {@code k} inflated bytes available at outPos; false if the member ends first. */
  private boolean ensureOut(int k) throws IOException {
    while (outLim - outPos < k) {
      if (memberDone) {
        return false;
      }
      if (outBuf.length - WORD_SLACK - outPos < k + 4096) {
        int left = outLim - outPos;
        System.arraycopy(outBuf, outPos, outBuf, 0, left);
        outPos = 0;
        outLim = left;
      }
      inflateSome();
    }
    return true;
  }

  private void inflateSome() throws IOException {
    while (true) {
      int n;
      try {
        n = inflater.inflate(outBuf, outLim, outBuf.length - WORD_SLACK - outLim);
      } catch (DataFormatException e) {
        throw new RecordingDecodeException("gzip", position(), "corrupt gzip data in part " + parts
            + " (part at byte offset " + partStart + ") near byte offset " + position() + ": " + e.getMessage(), e);
      }
      if (n > 0) {
        crc.update(outBuf, outLim, n);
        outLim += n;
        memberInflated += n;
        decompressedBytes += n;
        if (decompressedBytes > limits.maxDecompressedBytes()) {
          throw new RecordingDecodeException("decompressed-cap", position(), "decompressed size exceeds the cap of "
              + limits.maxDecompressedBytes() + " bytes in part " + parts + " near byte offset " + position());
        }
        return;
      }
      if (inflater.finished()) {
        finishMember();
        return;
      }
      if (inflater.needsDictionary()) {
        throw new RecordingDecodeException("gzip", position(), "gzip member of part " + parts
            + " asks for a preset dictionary (byte offset " + position() + ")");
      }
      if (inflater.needsInput()) {
        feedInflater();
      }
    }
  }

  private void feedInflater() throws IOException {
    if (bodyRemaining == 0) {
      throw new RecordingDecodeException("gzip-truncated", position(), "gzip stream of part " + parts
          + " is cut off: the part body ends at byte offset " + position() + " before the gzip member does");
    }
    if (inPos == inLim && !fill()) {
      throw truncated(position(), "object ends at byte offset " + position() + " inside the body of part " + parts
          + " (" + bodyRemaining + " body bytes missing)");
    }
    int n = (int) Math.min(inLim - inPos, bodyRemaining);
    inflater.setInput(inBuf, inPos, n);
    inPos += n;
    bodyRemaining -= n;
  }

  private void finishMember() throws IOException {
    int unused = inflater.getRemaining();
    inPos -= unused; // the input buffer has not been refilled since setInput, so these bytes are still there
    bodyRemaining += unused;
    long trailerAt = position();
    long crcValue = 0;
    for (int i = 0; i < 4; i++) {
      crcValue |= (long) bodyByte("gzip trailer") << (8 * i);
    }
    long isize = 0;
    for (int i = 0; i < 4; i++) {
      isize |= (long) bodyByte("gzip trailer") << (8 * i);
    }
    if (crcValue != crc.getValue()) {
      throw new RecordingDecodeException("gzip-trailer", trailerAt, "gzip CRC mismatch in part " + parts
          + " (trailer at byte offset " + trailerAt + ")");
    }
    if (isize != (memberInflated & 0xFFFFFFFFL)) {
      throw new RecordingDecodeException("gzip-trailer", trailerAt, "gzip length mismatch in part " + parts
          + " (trailer at byte offset " + trailerAt + ")");
    }
    memberDone = true;
  }

  private void readGzipHeader() throws IOException {
    long at = position();
    int id1 = bodyByte("gzip header");
    int id2 = bodyByte("gzip header");
    if (id1 != 0x1F || id2 != 0x8B) {
      throw new RecordingDecodeException("gzip", at, String.format(
          "body of part %d at byte offset %d is not gzip (starts %02x %02x)", parts, at, id1, id2));
    }
    int method = bodyByte("gzip header");
    if (method != 8) {
      throw new RecordingDecodeException("gzip", at, "gzip compression method " + method + " in part " + parts
          + " at byte offset " + at + " (only deflate is defined)");
    }
    int flags = bodyByte("gzip header");
    for (int i = 0; i < 6; i++) {
      bodyByte("gzip header"); // mtime, extra flags, OS
    }
    if ((flags & 0x04) != 0) {
      int xlen = bodyByte("gzip header") | (bodyByte("gzip header") << 8);
      for (int i = 0; i < xlen; i++) {
        bodyByte("gzip header");
      }
    }
    if ((flags & 0x08) != 0) {
      while (bodyByte("gzip header") != 0) {
        // file name
      }
    }
    if ((flags & 0x10) != 0) {
      while (bodyByte("gzip header") != 0) {
        // comment
      }
    }
    if ((flags & 0x02) != 0) {
      bodyByte("gzip header");
      bodyByte("gzip header");
    }
  }

  /** One byte of the current part's body, outside inflation (header and trailer). */
  private int bodyByte(String what) throws IOException {
    if (bodyRemaining == 0) {
      throw new RecordingDecodeException("gzip-truncated", position(), what + " of part " + parts
          + " runs past the end of the part body at byte offset " + position());
    }
    if (inPos == inLim && !fill()) {
      throw truncated(position(), "object ends at byte offset " + position() + " inside the " + what + " of part "
          + parts);
    }
    bodyRemaining--;
    return inBuf[inPos++] & 0xFF;
  }

  // ---- raw input ----

  private boolean fill() throws IOException {
    inBase += inLim;
    inPos = 0;
    inLim = 0;
    int n = in.read(inBuf, 0, inBuf.length);
    if (n <= 0) {
      if (n == 0) {
        // a well-behaved stream never returns 0 for a non-empty buffer; read one byte to be sure
        int b = in.read();
        if (b < 0) {
          return false;
        }
        inBuf[0] = (byte) b;
        inLim = 1;
        return true;
      }
      return false;
    }
    inLim = n;
    return true;
  }

  private int readRaw(byte[] dst, int off, int len) throws IOException {
    int done = 0;
    while (done < len) {
      if (inPos == inLim && !fill()) {
        break;
      }
      int k = Math.min(len - done, inLim - inPos);
      System.arraycopy(inBuf, inPos, dst, off + done, k);
      inPos += k;
      done += k;
    }
    return done;
  }

  private void skipRaw(long n, String what) throws IOException {
    long start = position();
    while (n > 0) {
      if (inPos == inLim && !fill()) {
        throw truncated(position(), "object ends at byte offset " + position() + " inside the " + what
            + " (started at byte offset " + start + ", " + n + " bytes missing)");
      }
      int k = (int) Math.min(n, inLim - inPos);
      inPos += k;
      n -= k;
    }
  }

  /** End of data before the structure says it should end: corruption, or a cut stream if the object is longer. */
  private IOException truncated(long at, String message) {
    if (limits.objectSize() >= 0 && at < limits.objectSize()) {
      return new IOException("stream ended at byte offset " + at + ", before the object size "
          + limits.objectSize() + ": " + message);
    }
    return new RecordingDecodeException("truncated", at, message);
  }

  private static long getLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }

  /**
   * The event index of a record without building the event: every Teleport event has {@code Metadata} as field 1
   * and {@code Metadata.Index} as its field 1, so this works for event types the schema subset does not know.
   * Hand-rolled varint walking: this runs for every record.
   */
  private long indexOf(byte[] buf, int off, int len, long recordOffset) throws RecordingDecodeException {
    int end = off + len;
    try {
      scan = off;
      long tag = varint(buf, end);
      if (tag == 0 || (tag >>> 3) == 0) {
        throw new RecordingDecodeException("protobuf", partStart, "record at decompressed offset " + recordOffset
            + " of part " + parts + " holds no event");
      }
      if ((tag & 7) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        return 0; // not an event; the parser reports it
      }
      int eventEnd = lengthEnd(buf, end);
      while (scan < eventEnd) {
        long t = varint(buf, eventEnd);
        if (t == TAG_1_LENGTH_DELIMITED) {
          int mdEnd = lengthEnd(buf, eventEnd);
          while (scan < mdEnd) {
            long m = varint(buf, mdEnd);
            if (m == TAG_1_VARINT) {
              return varint(buf, mdEnd);
            }
            skipField(buf, m, mdEnd);
          }
          return 0;
        }
        skipField(buf, t, eventEnd);
      }
      return 0;
    } catch (IllegalStateException e) {
      throw new RecordingDecodeException("protobuf", partStart, "record at decompressed offset " + recordOffset
          + " of part " + parts + " (part at byte offset " + partStart + ") is not a valid events.OneOf: "
          + e.getMessage() + " in the event metadata");
    }
  }

  private int scan;

  private long varint(byte[] b, int limit) {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (scan >= limit) {
        throw new IllegalStateException("truncated varint");
      }
      byte x = b[scan++];
      result |= (long) (x & 0x7F) << shift;
      if (x >= 0) {
        return result;
      }
    }
    throw new IllegalStateException("malformed varint");
  }

  private int lengthEnd(byte[] b, int limit) {
    long len = varint(b, limit);
    if (len < 0 || len > limit - scan) {
      throw new IllegalStateException("length " + len + " overruns its message");
    }
    return scan + (int) len;
  }

  private void skipField(byte[] b, long tag, int limit) {
    switch ((int) (tag & 7)) {
      case 0 -> varint(b, limit);
      case 1 -> scan += 8;
      case 2 -> scan = lengthEnd(b, limit);
      case 5 -> scan += 4;
      default -> throw new IllegalStateException("unsupported wire type " + (tag & 7));
    }
    if (scan > limit) {
      throw new IllegalStateException("field overruns its message");
    }
  }
}
