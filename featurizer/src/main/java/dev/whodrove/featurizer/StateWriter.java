package dev.whodrove.featurizer;

import java.util.Arrays;
import java.nio.charset.StandardCharsets;

/** Compact binary encoding for feature state: varints, zig-zag longs, raw doubles and length-prefixed bytes. */
final class StateWriter {
  // a plain growable array: ByteArrayOutputStream synchronizes every write, which shows up in profiles
  private byte[] buf = new byte[512];
  private int size;

  private void write(int b) {
    if (size == buf.length) {
      buf = Arrays.copyOf(buf, buf.length * 2);
    }
    buf[size++] = (byte) b;
  }

  private void write(byte[] b) {
    if (size + b.length > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + b.length));
    }
    System.arraycopy(b, 0, buf, size, b.length);
    size += b.length;
  }

  StateWriter varint(long v) {
    while ((v & ~0x7FL) != 0) {
      write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    write((int) v);
    return this;
  }

  /** Signed value, zig-zag encoded so small negatives stay small. */
  StateWriter zigzag(long v) {
    return varint((v << 1) ^ (v >> 63));
  }

  StateWriter bool(boolean b) {
    write(b ? 1 : 0);
    return this;
  }

  StateWriter dbl(double d) {
    long bits = Double.doubleToRawLongBits(d);
    for (int i = 0; i < 8; i++) {
      write((int) (bits >>> (8 * i)));
    }
    return this;
  }

  StateWriter bytes(byte[] b) {
    varint(b.length);
    write(b);
    return this;
  }

  StateWriter str(String s) {
    return bytes(s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8));
  }

  private final java.util.Map<String, Integer> dictionary = new java.util.HashMap<>();

  /** A string written once per buffer: repeats cost one varint (service and method names repeat a lot). */
  StateWriter name(String s) {
    Integer i = dictionary.get(s);
    if (i != null) {
      return varint(i + 1L);
    }
    dictionary.put(s, dictionary.size());
    varint(0);
    return str(s);
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }
}
