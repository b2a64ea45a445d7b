package dev.whodrove.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Hostile variants of real inputs for property tests: a real sample with a few byte-level edits (bit flips,
 * truncation, deletions, splices with another sample, repeated slices, inserted or overwritten hostile tokens, deep
 * nesting), and plain random bytes. Every edit is a small record, so a failing case reports as its sample number and
 * few edits rather than as a wall of bytes.
 */
public final class HostileInputs {
  private HostileInputs() {}

  /**
   * Byte strings that have broken parsers before: numbers beyond every integer type, negative and zero sizes, JSON
   * that is not quite JSON, control characters, and UTF-8 that is not (overlong forms, lone surrogates, a byte-order
   * mark, bidirectional overrides, a NUL).
   */
  public static final List<byte[]> TOKENS = List.of(
      ascii("99999999999999999999999999999999999999"), ascii("-9223372036854775809"), ascii("9223372036854775807"),
      ascii("-1"), ascii("0"), ascii("1e999999"), ascii("-1e-999999"), ascii("NaN"), ascii("Infinity"),
      ascii("0x7fffffff"), ascii("4294967296"), ascii("\"+999999999-12-31T23:59:59Z\""),
      ascii("\"1970-01-01T00:00:00Z\""), ascii("\"2024-02-30T25:61:61+99:00\""), ascii("null"), ascii("true"),
      ascii("[]"), ascii("{}"), ascii("\""), ascii("\\"), ascii(","), ascii(":"), ascii("}"), ascii("]"), ascii("\n"),
      ascii("\r\n"), ascii("\\u0000"), ascii("\\ud800"), ascii("\\udfff\\ud800"),
      utf8("\u202e\u2066"), utf8("\ufeff"), utf8("\u0000"), utf8("\uD83D\uDE00\u0301\u0301"),
      new byte[] {(byte) 0xC0, (byte) 0xAF}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
      new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, new byte[] {(byte) 0xFF, (byte) 0xFE},
      new byte[] {(byte) 0x80}, new byte[] {0x1F, (byte) 0x8B, 0x08, 0x00},
      new byte[] {0, 0, 0, 0, 0, 0, 0, 1}, new byte[] {0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF},
      new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
          (byte) 0xFF},
      new byte[] {0x00, 0x00, 0x00, 0x00});

  /** One change to an input; positions are in thousandths of its length, so they fit any input. */
  public sealed interface Edit {
    byte[] apply(byte[] in, List<byte[]> samples);
  }

  /** Flips one bit of the byte at {@code at}. */
  public record FlipBit(int at, int bit) implements Edit {
    @Override
    public byte[] apply(byte[] in, List<byte[]> samples) {
      if (in.length == 0) {
        return in;
      }
      byte[] out = in.clone();
      out[index(at, in.length - 1)] ^= (byte) (1 << bit);
      return out;
    }
  }

  /** Keeps only what comes before {@code at}. */
  public record Truncate(int at) implements Edit {
    @Override
    public byte[] apply(byte[] in, List<byte[]> samples) {
      return Arrays.copyOf(in, index(at, in.length));
    }
  }

  /** Removes up to {@code length} bytes at {@code at}. */
  public record Delete(int at, int length) implements Edit {
    @Override
    public byte[] apply(byte[] in, List<byte[]> samples) {
      int from = index(at, in.length);
      int to = Math.min(in.length, from + length);
      return concat(Arrays.copyOf(in, from), Arrays.copyOfRange(in, to, in.length));
    }
  }

  /** Inserts token number {@code token} of {@link #TOKENS} at {@code at}. */
  public record InsertToken(int at, int token) implements Edit {
    @Override
    public byte[] apply(byte[] in, List<byte[]> samples) {
      int i = index(at, in.length);
      return concat(Arrays.copyOf(in, i), TOKENS.get(token), Arrays.copyOfRange(in, i, in.length));
    }

    @Override
    public String toString() {
      return "InsertToken[at=" + at + ", token=" + printable(TOKENS.get(token)) + "]";
    }
  }

  /** Writes token number {@code token} of {@link #TOKENS} over the bytes at {@code at}. */
  public record OverwriteToken(int at, int token) implements Edit {
    @Override
    public byte[] apply(byte[] in, List<byte[]> samples) {
      byte[] t = TOKENS.get(token);
      int i = index(at, in.length);
      byte[] out = Arrays.copyOf(in, Math.max(in.length, i + t.length));
      System.arraycopy(t, 0, out, i, t.length);
      return out;
    }

    @Override
    public String toString() {
      return "OverwriteToken[at=" + at + ", token=" + printable(TOKENS.get(token)) + "]";
    }
  }

  /** Replaces everything from {@code at} with a slice of another sample: two inputs glued mid-structure. */
  public record Splice(int at, int sample, int from, int to) implements Edit {
    @Override
    public byte[] apply(byte[] in, List<byte[]> samples) {
      byte[] other = samples.get(sample % samples.size());
      int a = index(Math.min(from, to), other.length);
      int b = index(Math.max(from, to), other.length);
      return concat(Arrays.copyOf(in, index(at, in.length)), Arrays.copyOfRange(other, a, b));
    }
  }

  /** Repeats a slice of up to {@code length} bytes {@code times} times in place (bounded growth). */
  public record Repeat(int at, int length, int times) implements Edit {
    @Override
    public byte[] apply(byte[] in, List<byte[]> samples) {
      int from = index(at, in.length);
      int to = Math.min(in.length, from + length);
      ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + (to - from) * times);
      out.write(in, 0, to);
      for (int i = 1; i < times; i++) {
        out.write(in, from, to - from);
      }
      out.write(in, to, in.length - to);
      return out.toByteArray();
    }
  }

  /** Inserts {@code depth} nested arrays or objects at {@code at}, closed again or left open. */
  public record Nest(int at, int depth, boolean objects, boolean closed) implements Edit {
    @Override
    public byte[] apply(byte[] in, List<byte[]> samples) {
      String open = objects ? "{\"a\":" : "[";
      String close = objects ? "}" : "]";
      String nest = open.repeat(depth) + (closed ? "1" + close.repeat(depth) : "");
      int i = index(at, in.length);
      return concat(Arrays.copyOf(in, i), ascii(nest), Arrays.copyOfRange(in, i, in.length));
    }
  }

  /** A sample after its edits: reported by sample number and edits, with the bytes' length and start. */
  public record Mutant(int sample, List<Edit> edits, byte[] bytes) {
    @Override
    public String toString() {
      return "Mutant[sample=" + sample + ", edits=" + edits + ", " + bytes.length + " bytes: "
          + printable(Arrays.copyOf(bytes, Math.min(bytes.length, 160))) + "]";
    }
  }

  /** Any one edit; positions at the very start or end of the input one time in eight. */
  public static Gen<Edit> edits(int samples) {
    Gen<Integer> at = r -> r.nextInt(8) == 0 ? (r.nextBoolean() ? 0 : 1000) : r.nextInt(1001);
    Gen<Integer> token = Gen.between(0, TOKENS.size() - 1);
    Gen<Integer> sample = Gen.between(0, Math.max(0, samples - 1));
    // depths spread over 1 to 5000 so that both sides of a 200-level limit come up often
    Gen<Integer> depth = Gen.skewed(1, 5000);
    return Gen.oneOf(
        r -> new FlipBit(at.next(r), r.nextInt(8)),
        r -> new Truncate(at.next(r)),
        r -> new Delete(at.next(r), r.nextInt(1, 65)),
        r -> new InsertToken(at.next(r), token.next(r)),
        r -> new OverwriteToken(at.next(r), token.next(r)),
        r -> new Splice(at.next(r), sample.next(r), at.next(r), at.next(r)),
        r -> new Repeat(at.next(r), r.nextInt(1, 65), r.nextInt(2, 65)),
        r -> new Nest(at.next(r), depth.next(r), r.nextBoolean(), r.nextBoolean()));
  }

  /** A sample with one to four edits. */
  public static Gen<Mutant> mutants(List<byte[]> samples) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("no samples to mutate");
    }
    Gen<List<Edit>> edits = edits(samples.size()).list(1, 4);
    return r -> {
      int i = r.nextInt(samples.size());
      List<Edit> es = edits.next(r);
      byte[] b = samples.get(i);
      for (Edit e : es) {
        b = e.apply(b, samples);
      }
      return new Mutant(i, es, b);
    };
  }

  /**
   * Random bytes of length 0 to {@code maxLength}, short lengths as often as long ones, and one array in four made
   * only of edge values (0x00, 0x01, 0x7F, 0x80, 0xFF).
   */
  public static Gen<byte[]> randomBytes(int maxLength) {
    Gen<Integer> length = Gen.skewed(0, maxLength);
    byte[] edges = {0x00, 0x01, 0x7F, (byte) 0x80, (byte) 0xFF};
    return r -> {
      byte[] b = new byte[length.next(r)];
      if (r.nextInt(4) == 0) {
        for (int i = 0; i < b.length; i++) {
          b[i] = edges[r.nextInt(edges.length)];
        }
      } else {
        r.nextBytes(b);
      }
      return b;
    };
  }

  /** The size class of an input, for tallies: {@code size:empty}, {@code size:<1KiB} or {@code size:>=1KiB}. */
  public static String sizeClass(byte[] b) {
    return b.length == 0 ? "size:empty" : b.length < 1024 ? "size:<1KiB" : "size:>=1KiB";
  }

  /** A printable rendering: ASCII as is, everything else as {@code \xNN}. */
  public static String printable(byte[] b) {
    StringBuilder sb = new StringBuilder();
    HexFormat hex = HexFormat.of();
    for (byte x : b) {
      if (x >= 0x20 && x < 0x7F) {
        sb.append((char) x);
      } else {
        sb.append("\\x").append(hex.toHexDigits(x));
      }
    }
    return sb.toString();
  }

  static int index(int thousandths, int length) {
    return (int) ((long) thousandths * length / 1000);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The lines of a JSON-lines text as separate samples (blank lines dropped). */
  public static List<byte[]> lines(byte[] jsonl) {
    List<byte[]> out = new ArrayList<>();
    for (String l : new String(jsonl, StandardCharsets.UTF_8).split("\n")) {
      if (!l.isBlank()) {
        out.add(utf8(l));
      }
    }
    return out;
  }
}
