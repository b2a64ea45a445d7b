package dev.whodrove.featurizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Reads what {@link StateWriter} wrote; a truncated or corrupt buffer fails with {@link IllegalStateException}. */
final class StateReader {
  private final byte[] buf;
  private int pos;

  StateReader(byte[] buf) {
    this.buf = buf;
  }

  private int next() {
    if (pos >= buf.length) {
      throw new IllegalStateException("feature state truncated at byte " + pos);
    }
    return buf[pos++] & 0xFF;
  }

  long varint() {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = next();
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new IllegalStateException("malformed varint at byte " + pos);
  }

  int varintInt() {
    return Math.toIntExact(varint());
  }

  long zigzag() {
    long v = varint();
    return (v >>> 1) ^ -(v & 1);
  }

  boolean bool() {
    return next() != 0;
  }

  double dbl() {
    long bits = 0;
    for (int i = 0; i < 8; i++) {
      bits |= (long) next() << (8 * i);
    }
    return Double.longBitsToDouble(bits);
  }

  byte[] bytes() {
    int n = varintInt();
    if (n < 0 || pos + n > buf.length) {
      throw new IllegalStateException("feature state: bad length " + n + " at byte " + pos);
    }
    byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
    pos += n;
    return b;
  }

  String str() {
    return new String(bytes(), StandardCharsets.UTF_8);
  }

  private final java.util.List<String> dictionary = new java.util.ArrayList<>();

  String name() {
    int i = varintInt();
    if (i == 0) {
      String s = str();
      dictionary.add(s);
      return s;
    }
    if (i > dictionary.size()) {
      throw new IllegalStateException("feature state: bad name reference " + i);
    }
    return dictionary.get(i - 1);
  }

  boolean atEnd() {
    return pos >= buf.length;
  }
}
