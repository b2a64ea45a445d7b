package dev.whodrove.decoder;

import com.google.protobuf.ByteString;
import dev.whodrove.schemas.v1.PrintChunk;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Reduces a chunk of terminal bytes to the numbers the featurizer needs, so raw PTY content never has to leave
 * the decoder: newlines (0x0A), escape sequences (ESC bytes) and edit characters (backspace 0x7F/0x08, ^W 0x17,
 * and the cursor/navigation keys ESC [ A/B/C/D/H/F).
 *
 * <p>This runs over every output byte of every recording. Whole words are scanned eight bytes at a time for bytes
 * below 0x20 and 0x7F (SWAR), and only those are looked up; chunks under eight bytes, and the tail of longer ones,
 * go byte by byte through a table of what each byte value adds. Single bytes are read otherwise only to confirm
 * ESC [ sequences.
 */
public final class TerminalBytes {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  static final int FIELD_BITS = 21;
  static final long FIELD_MASK = (1L << FIELD_BITS) - 1;

  private TerminalBytes() {}

  /** Fills bytes, edit_chars, newlines and escape_sequences of {@code chunk} from {@code data}. */
  public static PrintChunk.Builder describe(ByteString data, PrintChunk.Builder chunk) {
    byte[] bytes = data.toByteArray();
    long c = count(bytes, 0, bytes.length);
    return chunk.setBytes(bytes.length).setEditChars(editChars(c)).setNewlines(newlines(c))
        .setEscapeSequences(escapes(c));
  }

  /** Packed counts of {@code b[off, off+n)}; unpack with {@link #editChars}, {@link #newlines}, {@link #escapes}. */
  public static long count(byte[] b, int off, int n) {
    int end = off + n;
    if (n < SHORT) {
      return countShort(b, off, end);
    }
    long sum = 0;
    int i = off;
    for (; i <= end - 8; i += 8) {
      long x = (long) LONGS.get(b, i);
      // flag bytes below 0x20 and 0x7F (a borrow may also flag the byte after one of them: harmless, a flagged
      // byte adds what its value adds), then look only at the flagged bytes
      long controls = ((x - ONES * 0x20) & ~x & HIGHS) | zeroBytes(x ^ (ONES * 0x7F));
      while (controls != 0) {
        int j = i + (Long.numberOfTrailingZeros(controls) >>> 3);
        controls &= controls - 1;
        sum += ADDS[b[j] & 0xFF];
        if (b[j] == 0x1B && isCursorKey(b, j, end)) {
          sum++;
        }
      }
    }
    return sum + countShort(b, i, end); // and the tail
  }


  /**
   * Keystroke echo is one to a few bytes per chunk, most chunks of a human session: below this length a table lookup
   * per byte beats setting up the word-at-a-time scan.
   */
  private static final int SHORT = 8;

  /** What each byte value adds to the packed counts (an ESC also counts as an edit when it starts a cursor key). */
  private static final long[] ADDS = new long[256];

  static {
    ADDS[0x0A] = 1L << FIELD_BITS;
    ADDS[0x1B] = 1L << (2 * FIELD_BITS);
    ADDS[0x7F] = 1;
    ADDS[0x08] = 1;
    ADDS[0x17] = 1;
  }

  private static long countShort(byte[] b, int i, int end) {
    long sum = 0;
    for (int j = i; j < end; j++) {
      sum += ADDS[b[j] & 0xFF]; // a table, not branches: which bytes a short chunk holds is anyone's guess
    }
    if (sum >>> (2 * FIELD_BITS) != 0) { // an ESC: is it a cursor key?
      for (int j = i; j < end; j++) {
        if (b[j] == 0x1B && isCursorKey(b, j, end)) {
          sum++;
        }
      }
    }
    return sum;
  }

  public static int editChars(long counts) {
    return (int) (counts & FIELD_MASK);
  }

  public static int newlines(long counts) {
    return (int) ((counts >>> FIELD_BITS) & FIELD_MASK);
  }

  public static int escapes(long counts) {
    return (int) ((counts >>> (2 * FIELD_BITS)) & FIELD_MASK);
  }

  /** ESC at {@code i} followed by '[' and one of A B C D H F (within the chunk). */
  private static boolean isCursorKey(byte[] b, int i, int end) {
    if (i + 2 >= end || b[i + 1] != '[') {
      return false;
    }
    byte k = b[i + 2];
    return k == 'A' || k == 'B' || k == 'C' || k == 'D' || k == 'H' || k == 'F';
  }

  /** 0x80 in every byte position of {@code y} that is zero, 0 elsewhere (exact, no false positives). */
  private static long zeroBytes(long y) {
    long t = (y & LOW7) + LOW7;
    return ~(t | y | LOW7);
  }
}
