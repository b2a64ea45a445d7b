package dev.whodrove.decoder;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The whole-process baseline for {@code whodrove parse}: inflates every part of a ProtoStream recording with
 * {@code GZIPInputStream} on one thread and discards the bytes. Nothing but the JDK, so it starts as fast as a JVM
 * can: {@code java -cp recording-decoder/target/test-classes dev.whodrove.decoder.InflateOnly FILE}.
 */
public final class InflateOnly {
  private InflateOnly() {}

  public static void main(String[] args) throws IOException {
    long inflated = 0;
    int parts = 0;
    byte[] out = new byte[256 * 1024];
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(Path.of(args[0])),
        256 * 1024))) {
      while (true) {
        long version;
        try {
          version = in.readLong();
        } catch (EOFException end) {
          break;
        }
        long bodySize = in.readLong();
        long padding = in.readLong();
        if (version == 2) {
          in.readLong(); // flags word
        }
        byte[] body = in.readNBytes((int) bodySize);
        in.skipNBytes(padding);
        try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(body), 64 * 1024)) {
          int n;
          while ((n = gz.read(out)) > 0) {
            inflated += n;
          }
        }
        parts++;
      }
    }
    System.out.println(parts + " parts, " + inflated + " bytes inflated");
  }
}
