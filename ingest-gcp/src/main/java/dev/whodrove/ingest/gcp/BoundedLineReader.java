package dev.whodrove.ingest.gcp;

import dev.whodrove.runtime.DeadLetters;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Reads {@code \n}-terminated lines as bytes, keeping at most {@code maxBytes + 1} bytes of any line so that one huge
 * line cannot exhaust the heap; {@link Line#overflowed()} says the rest was discarded, and then
 * {@link Line#sha256()} sums up the whole line. A trailing {@code \r} is dropped.
 */
final class BoundedLineReader {
  /**
   * One line; {@code bytes} holds at most maxBytes + 1 bytes, {@code length} is the full line length,
   * {@code sha256} the SHA-256 of the full line when it overflowed (else null), {@code terminated} whether a
   * {@code \n} ended it (false only for the last line of the input).
   */
  record Line(byte[] bytes, long length, boolean overflowed, byte[] sha256, boolean terminated) {}

  private final InputStream in;
  private final int maxBytes;
  private final byte[] buf = new byte[64 * 1024];
  private int pos;
  private int limit;
  private byte[] line = new byte[8 * 1024];
  private long consumed;

  BoundedLineReader(InputStream in, int maxBytes) {
    this.in = in;
    this.maxBytes = maxBytes;
  }

  /** Bytes of the input consumed so far: the offset of the next line. */
  long position() {
    return consumed;
  }

  /** The next line, or null at end of input. */
  Line next() throws IOException {
    int kept = 0;
    long total = 0;
    boolean any = false;
    MessageDigest digest = null;
    while (true) {
      if (pos == limit) {
        limit = in.read(buf);
        pos = 0;
        if (limit <= 0) {
          limit = 0;
          return any ? finish(kept, total, digest, false) : null;
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
      if (digest == null && total + n > maxBytes + 1) {
        digest = DeadLetters.newSha256(); // overflowing: the dead letter needs the digest of the whole line
        digest.update(line, 0, kept);
        digest.update(buf, start + take, n - take);
      } else if (digest != null) {
        digest.update(buf, start, n);
      }
      total += n;
      pos = nl < 0 ? limit : nl + 1;
      consumed += pos - start;
      if (nl >= 0) {
        return finish(kept, total, digest, true);
      }
    }
  }

  private Line finish(int kept, long total, MessageDigest digest, boolean terminated) {
    if (total <= maxBytes + 1 && kept > 0 && line[kept - 1] == '\r') {
      kept--;
      total--;
    }
    boolean overflowed = total > maxBytes;
    byte[] sha = null;
    if (overflowed) {
      sha = digest != null ? digest.digest() : DeadLetters.sha256(Arrays.copyOf(line, kept));
    }
    return new Line(Arrays.copyOf(line, kept), total, overflowed, sha, terminated);
  }
}
