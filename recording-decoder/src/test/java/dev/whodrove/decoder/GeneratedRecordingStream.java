package dev.whodrove.decoder;

import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.sim.ProtoStreamWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;

/**
 * A ProtoStream recording of a given compressed size generated while it is read, one part at a time, so tests and
 * benchmarks can stream recordings far larger than the heap. Output is mostly terminal lines with random base64
 * (poorly compressible, so the object grows fast) mixed with keystroke echo.
 */
public final class GeneratedRecordingStream extends InputStream {
  private static final char[] B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".toCharArray();

  private final long targetBytes;
  private final Random random;
  private final Sink sink = new Sink();
  private final ProtoStreamWriter writer;
  private long produced;
  private int pos;
  private long index;
  private long delay;
  private long offset;
  private boolean finished;
  private final StringBuilder line = new StringBuilder(4096);

  public GeneratedRecordingStream(long targetBytes, long seed) {
    this.targetBytes = targetBytes;
    this.random = new Random(seed);
    this.writer = new ProtoStreamWriter(sink, ProtoStreamWriter.Options.teleport());
  }

  /** Events written so far. */
  public long events() {
    return index;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    while (pos == sink.size()) {
      if (finished) {
        return -1;
      }
      sink.reset();
      pos = 0;
      generateUntilAPartIsOut();
    }
    int n = Math.min(len, sink.size() - pos);
    System.arraycopy(sink.array(), pos, b, off, n);
    pos += n;
    return n;
  }

  private void generateUntilAPartIsOut() throws IOException {
    if (index == 0) {
      writer.write(TestEvents.start(index++));
    }
    while (sink.size() == 0) {
      if (produced >= targetBytes) {
        writer.write(TestEvents.end(index++));
        writer.close();
        finished = true;
        return;
      }
      writer.write(nextPrint());
    }
    produced += sink.size();
  }

  private OneOf nextPrint() {
    line.setLength(0);
    if (random.nextInt(3) == 0) {
      line.append((char) ('a' + random.nextInt(26)));
    } else {
      int n = 40 + random.nextInt(1500);
      for (int i = 0; i < n; i++) {
        line.append(B64[random.nextInt(64)]);
      }
      line.append("\r\n");
    }
    delay += 5 + random.nextInt(300);
    String data = line.toString();
    OneOf e = TestEvents.print(index++, index, data, delay, offset);
    offset += data.length();
    return e;
  }

  private static final class Sink extends ByteArrayOutputStream {
    Sink() {
      super(6 * 1024 * 1024);
    }

    byte[] array() {
      return buf;
    }
  }
}
