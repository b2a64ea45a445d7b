package dev.whodrove.featurizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Compact binary encoding for feature state: varints, zig-zag longs, raw doubles and length-prefixed bytes. */
final class StateWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

  StateWriter varint(long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
    return this;
  }

  /** Signed value, zig-zag encoded so small negatives stay small. */
  StateWriter zigzag(long v) {
    return varint((v << 1) ^ (v >> 63));
  }

  StateWriter bool(boolean b) {
    out.write(b ? 1 : 0);
    return this;
  }

  StateWriter dbl(double d) {
    long bits = Double.doubleToRawLongBits(d);
    for (int i = 0; i < 8; i++) {
      out.write((int) (bits >>> (8 * i)));
    }
    return this;
  }

  StateWriter bytes(byte[] b) {
    varint(b.length);
    out.write(b, 0, b.length);
    return this;
  }

  StateWriter str(String s) {
    return bytes(s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8));
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }
}
