package dev.whodrove.decoder;

import dev.whodrove.sim.ProtoStreamWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes a large ProtoStream recording for whole-process benchmarks of {@code whodrove parse}: one session of
 * keystroke echo (1–3 bytes) and command output (log lines cut to 1 byte – 1.2 KB), in Teleport's 5 MiB parts.
 * {@code MixedChunkRecording FILE MEGABYTES} (compressed size; the default seed makes the same file every time).
 */
public final class MixedChunkRecording {
  private MixedChunkRecording() {}

  public static void main(String[] args) throws IOException {
    Path file = Path.of(args[0]);
    long target = Long.parseLong(args[1]) * 1_000_000;
    Random r = new Random(args.length > 2 ? Long.parseLong(args[2]) : 11);
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
        ProtoStreamWriter w = new ProtoStreamWriter(out, ProtoStreamWriter.Options.teleport())) {
      long index = 0;
      w.write(TestEvents.start(index++));
      long delay = 0;
      long offset = 0;
      StringBuilder sb = new StringBuilder();
      while (Files.size(file) < target) {
        for (int i = 0; i < 65536; i++) {
          sb.setLength(0);
          if (r.nextInt(10) < 5) {
            int keys = 1 + r.nextInt(3);
            for (int k = 0; k < keys; k++) {
              sb.append((char) ('a' + r.nextInt(26)));
            }
            delay += 30 + r.nextInt(150);
          } else {
            int target1 = 1 + r.nextInt(r.nextInt(8) == 0 ? 1200 : 300);
            while (sb.length() < target1) {
              sb.append("2026-11-23T13:4").append(r.nextInt(10)).append(":07Z INFO request path=/api/v1/items/")
                  .append(r.nextInt(100)).append(" status=200\r\n");
            }
            sb.setLength(target1);
            delay += 5 + r.nextInt(2000);
          }
          String data = sb.toString();
          w.write(TestEvents.print(index++, index, data, delay, offset));
          offset += data.length();
        }
        out.flush();
      }
      w.write(TestEvents.end(index));
    }
  }
}
