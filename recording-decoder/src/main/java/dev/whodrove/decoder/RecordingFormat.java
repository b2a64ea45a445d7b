package dev.whodrove.decoder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** The container formats a recording object can hold, recognised from its first bytes. */
public enum RecordingFormat {
  PROTOSTREAM_V1("protostream-v1", true),
  PROTOSTREAM_V2("protostream-v2", true),
  ASCIICAST_V2("asciicast-v2", true),
  ASCIICAST_V3("asciicast-v3", true),
  LEGACY_TAR("legacy-tar", false),
  GZIP("gzip", false),
  EMPTY("empty", false),
  UNKNOWN("unknown", false);

  /** Bytes needed to tell the formats apart (the tar magic sits at 257..262). */
  public static final int SNIFF_BYTES = 512;

  private final String label;
  private final boolean supported;

  RecordingFormat(String label, boolean supported) {
    this.label = label;
    this.supported = supported;
  }

  /** Name used in {@code RecordingComplete.format} and error messages. */
  public String label() {
    return label;
  }

  public boolean supported() {
    return supported;
  }

  /**
   * Looks at the first bytes of a stream without consuming them.
   *
   * @param in a stream supporting mark/reset (e.g. a {@link java.io.BufferedInputStream})
   */
  public static RecordingFormat sniff(InputStream in) throws IOException {
    if (!in.markSupported()) {
      throw new IllegalArgumentException("sniffing needs a stream with mark/reset");
    }
    in.mark(SNIFF_BYTES);
    byte[] head = new byte[SNIFF_BYTES];
    int n = 0;
    try {
      while (n < head.length) {
        int r = in.read(head, n, head.length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
    } finally {
      in.reset();
    }
    return sniff(head, n);
  }

  /** Classifies the first {@code n} bytes of an object. */
  public static RecordingFormat sniff(byte[] head, int n) {
    if (n == 0) {
      return EMPTY;
    }
    if (n >= 8) {
      long version = 0;
      for (int i = 0; i < 8; i++) {
        version = (version << 8) | (head[i] & 0xFF);
      }
      if (version == 1) {
        return PROTOSTREAM_V1;
      }
      if (version == 2) {
        return PROTOSTREAM_V2;
      }
    }
    if (n >= 262 && "ustar".equals(new String(head, 257, 5, StandardCharsets.US_ASCII))) {
      return LEGACY_TAR;
    }
    if (n >= 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B) {
      return GZIP;
    }
    int i = 0;
    if (n >= 3 && (head[0] & 0xFF) == 0xEF && (head[1] & 0xFF) == 0xBB && (head[2] & 0xFF) == 0xBF) {
      i = 3; // UTF-8 byte order mark
    }
    while (i < n && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t')) {
      i++;
    }
    if (i < n && head[i] == '{') {
      return declaresVersion3(head, i, n) ? ASCIICAST_V3 : ASCIICAST_V2;
    }
    return UNKNOWN;
  }

  /**
   * Whether the header in {@code head[from..n)} says {@code "version": 3} (asciinema writes the key first). A hint
   * only: the reader decides from the whole header line, which may be longer than the bytes sniffed.
   */
  private static boolean declaresVersion3(byte[] head, int from, int n) {
    byte[] key = "\"version\"".getBytes(StandardCharsets.US_ASCII);
    outer:
    for (int i = from; i + key.length <= n; i++) {
      for (int k = 0; k < key.length; k++) {
        if (head[i + k] != key[k]) {
          continue outer;
        }
      }
      int j = skipSpaces(head, i + key.length, n);
      if (j >= n || head[j] != ':') {
        return false;
      }
      j = skipSpaces(head, j + 1, n);
      return j + 1 < n && head[j] == '3' && (head[j + 1] < '0' || head[j + 1] > '9');
    }
    return false;
  }

  private static int skipSpaces(byte[] head, int i, int n) {
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) {
      i++;
    }
    return i;
  }
}
