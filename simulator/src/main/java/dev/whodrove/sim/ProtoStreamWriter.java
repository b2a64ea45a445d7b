package dev.whodrove.sim;

import com.google.protobuf.CodedOutputStream;
import dev.whodrove.schemas.teleport.OneOf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes recordings in Teleport's ProtoStream layout: parts of [header][one gzip member of length-prefixed
 * {@code events.OneOf} records][zero padding]. Used by tests, the simulator and benchmarks so that every test
 * recording is produced by code.
 *
 * <p>A part is closed once its compressed size reaches {@link Options#partBytes}; {@link #flushPart()} closes one
 * early (as Teleport does on inactivity), and non-final parts smaller than {@link Options#padPartsTo} are padded up
 * to that size, like Teleport pads short parts to the S3 minimum. The last part is never padded.
 *
 * <p>The layout constants are Teleport's; the decoder's {@code ProtoStreamReader} and {@code DecodeLimits} hold the
 * same numbers (the decoder's tests read what this writer writes).
 */
public final class ProtoStreamWriter implements AutoCloseable {
  /** Part header bytes of version 1 (version, body size, padding size: three big-endian longs). */
  public static final int V1_HEADER_BYTES = 24;
  /** Part header bytes of version 2 (version 1's header plus a flags word). */
  public static final int V2_HEADER_BYTES = 32;
  /** Largest record Teleport writes (its {@code MaxProtoMessageSizeBytes}). */
  public static final int MAX_RECORD_BYTES = 64 * 1024;


  /**
   * @param partBytes close a part once header + compressed body reach this many bytes
   * @param padPartsTo pad non-final parts to this total size (0 = no padding)
   * @param version part header version: 1, or 2 (written with flags 0, i.e. unencrypted)
   */
  public record Options(int partBytes, int padPartsTo, int version) {
    public static Options defaults() {
      return new Options(5 * 1024 * 1024, 0, 1);
    }

    /** Teleport's auth-server layout: 5 MiB parts, short non-final parts padded to 5 MiB. */
    public static Options teleport() {
      return new Options(5 * 1024 * 1024, 5 * 1024 * 1024, 1);
    }
  }

  private final OutputStream out;
  private final Options options;
  private final int headerBytes;
  private final ExposedBuffer body = new ExposedBuffer();
  private byte[] recordBuf = new byte[MAX_RECORD_BYTES + 4];
  private GZIPOutputStream gzip;
  private int recordsInPart;
  private int partsWritten;
  private boolean closed;

  public ProtoStreamWriter(OutputStream out, Options options) {
    if (options.version() != 1 && options.version() != 2) {
      throw new IllegalArgumentException("part version must be 1 or 2, got " + options.version());
    }
    this.out = out;
    this.options = options;
    this.headerBytes = options.version() == 1 ? V1_HEADER_BYTES : V2_HEADER_BYTES;
  }

  public ProtoStreamWriter(OutputStream out) {
    this(out, Options.defaults());
  }

  /** Appends one event; refuses events larger than Teleport's 64 KiB record limit. */
  public void write(OneOf event) throws IOException {
    int size = event.getSerializedSize();
    if (size > MAX_RECORD_BYTES) {
      throw new IllegalArgumentException("event of " + size + " bytes exceeds the 65536-byte record limit");
    }
    CodedOutputStream cos = CodedOutputStream.newInstance(recordBuf, 4, size);
    event.writeTo(cos);
    recordBuf[0] = (byte) (size >>> 24);
    recordBuf[1] = (byte) (size >>> 16);
    recordBuf[2] = (byte) (size >>> 8);
    recordBuf[3] = (byte) size;
    writeRecordBytes(recordBuf, 0, size + 4);
  }

  /** Appends raw bytes to the current part's gzip plaintext (for tests that need malformed records). */
  public void writeRecordBytes(byte[] bytes, int off, int len) throws IOException {
    ensureOpen();
    if (gzip == null) {
      body.reset();
      gzip = new FastGzip(body);
      recordsInPart = 0;
    }
    gzip.write(bytes, off, len);
    recordsInPart++;
    if (headerBytes + body.size() >= options.partBytes()) {
      closePart(true);
    }
  }

  /** Closes the current part now (padded if configured); the next event starts a new part. */
  public void flushPart() throws IOException {
    ensureOpen();
    if (gzip != null) {
      closePart(true);
    }
  }

  /** Parts written so far. */
  public int parts() {
    return partsWritten;
  }

  /** Writes the final part (never padded) and flushes; does not close the underlying stream. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    if (gzip != null) {
      closePart(false);
    }
    out.flush();
    closed = true;
  }

  private void closePart(boolean mayPad) throws IOException {
    gzip.close(); // finishes the member and frees the deflater; closing the byte buffer is a no-op
    gzip = null;
    long partSize = body.size();
    long padding = 0;
    if (mayPad && options.padPartsTo() > 0 && headerBytes + partSize < options.padPartsTo()) {
      padding = options.padPartsTo() - headerBytes - partSize;
    }
    writePart(out, options.version(), body.array(), 0, body.size(), padding);
    partsWritten++;
  }

  /** Writes one complete part from an already-built body (any bytes: tests use this for corrupt bodies). */
  public static void writePart(OutputStream out, int version, byte[] body, int off, int len, long padding)
      throws IOException {
    byte[] header = new byte[version == 1 ? V1_HEADER_BYTES : V2_HEADER_BYTES];
    putLong(header, 0, version);
    putLong(header, 8, len);
    putLong(header, 16, padding);
    out.write(header);
    out.write(body, off, len);
    byte[] zeros = new byte[(int) Math.min(padding, 64 * 1024)];
    for (long left = padding; left > 0; ) {
      int k = (int) Math.min(left, zeros.length);
      out.write(zeros, 0, k);
      left -= k;
    }
  }

  /** Writes {@code v} big-endian at {@code off} (part header fields; tests use it to forge headers). */
  public static void putLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("writer is closed");
    }
  }

  /** gzip at BEST_SPEED, as Teleport's writer uses. */
  private static final class FastGzip extends GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, 2048); // small output buffer: part sizes track the compressed size closely
      def.setLevel(Deflater.BEST_SPEED);
    }
  }

  /** A byte buffer whose array can be written out without a copy. */
  private static final class ExposedBuffer extends ByteArrayOutputStream {
    ExposedBuffer() {
      super(64 * 1024);
    }

    byte[] array() {
      return buf;
    }
  }
}
