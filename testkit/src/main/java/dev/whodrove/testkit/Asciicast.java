package dev.whodrove.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Asciicast v2 recordings as the cadence tests read them, independently of the decoder: "o" events are prints (time
 * offset in seconds, UTF-8 byte length, edit characters), "i" events are keyboard input.
 */
public final class Asciicast {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One print event: time in seconds, bytes, edit characters. */
  public record Print(double t, int bytes, int editChars) {}

  /** A recording's prints, and how many input events it has. */
  public record Cast(List<Print> prints, int inputs) {}

  private Asciicast() {}

  public static Cast read(Path file) throws IOException {
    List<Print> prints = new ArrayList<>();
    int inputs = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = r.readLine();
      if (header == null || JSON.readTree(header).path("version").asInt() != 2) {
        throw new IOException(file + ": not an asciicast v2 file");
      }
      String line;
      int lineNo = 1;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode ev = JSON.readTree(line);
        if (!ev.isArray() || ev.size() < 3) {
          throw new IOException(file + ":" + lineNo + ": not an event array");
        }
        String kind = ev.get(1).asText();
        if ("o".equals(kind)) {
          byte[] data = ev.get(2).asText().getBytes(StandardCharsets.UTF_8);
          prints.add(new Print(ev.get(0).asDouble(), data.length, editChars(data)));
        } else if ("i".equals(kind)) {
          inputs++;
        }
      }
    }
    return new Cast(prints, inputs);
  }

  /** countEditChars of the study's {@code whodrove-teleport} CLI: BS, DEL, ^W, and ESC [ A/B/C/D/H/F. */
  public static int editChars(byte[] d) {
    int n = 0;
    for (int i = 0; i < d.length; i++) {
      byte b = d[i];
      if (b == 0x7f || b == 0x08 || b == 0x17) {
        n++;
      } else if (b == 0x1b && i + 2 < d.length && d[i + 1] == '[' && "ABCDHF".indexOf(d[i + 2]) >= 0) {
        n++;
        i += 2;
      }
    }
    return n;
  }
}
