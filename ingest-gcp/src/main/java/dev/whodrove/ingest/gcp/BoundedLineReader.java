package dev.whodrove.ingest.gcp;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads {@code \n}-terminated lines as bytes, keeping at most {@code maxBytes + 1} bytes of any line so that one huge
 * line cannot exhaust the heap; {@link Line#overflowed()} says the rest was discarded. A trailing {@code \r} is
 * dropped.
 */
final class BoundedLineReader {
  /** One line; {@code bytes} holds at most maxBytes + 1 bytes, {@code length} is the full line length. */
  record Line(byte[] bytes, long length, boolean overflowed) {}

  private final InputStream in;
  private final int maxBytes;
  private final byte[] buf = new byte[64 * 1024];
  private int pos;
  private int limit;
  private byte[] line = new byte[8 * 1024];

  BoundedLineReader(InputStream in, int maxBytes) {
    this.in = in;
    this.maxBytes = maxBytes;
  }

  /** The next line, or null at end of input. */
  Line next() throws IOException {
    int kept = 0;
    long total = 0;
    boolean any = false;
    while (true) {
      if (pos == limit) {
        limit = in.read(buf);
        pos = 0;
        if (limit <= 0) {
          limit = 0;
          return any ? finish(kept, total) : null;
        }
      }
      any = true;
      int start = pos;
      int nl = -1;
      for (int i = pos; i < limit; i++) {
        if (buf[i] == '\n') {
          nl = i;
          break;
        }
      }
      int end = nl < 0 ? limit : nl;
      int n = end - start;
      int room = maxBytes + 1 - kept;
      int take = Math.min(n, Math.max(0, room));
      if (take > 0) {
        if (kept + take > line.length) {
          line = Arrays.copyOf(line, Math.max(line.length * 2, kept + take));
        }
        System.arraycopy(buf, start, line, kept, take);
        kept += take;
      }
      total += n;
      pos = nl < 0 ? limit : nl + 1;
      if (nl >= 0) {
        return finish(kept, total);
      }
    }
  }

  private Line finish(int kept, long total) {
    if (total <= maxBytes + 1 && kept > 0 && line[kept - 1] == '\r') {
      kept--;
      total--;
    }
    return new Line(Arrays.copyOf(line, kept), total, total > maxBytes);
  }
}
