package dev.whodrove.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads {@code file://} recordings: asciicast v2/v3 (a JSON header line, then {@code [time, "o", data]} lines; only
 * output events are kept) or anything else as plain UTF-8 text. Terminal control sequences are stripped so the model
 * sees what a reader of the screen would. Reads at most {@code maxChars} characters of output.
 */
public final class FileRecordingTextSource implements RecordingTextSource {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern CSI = Pattern.compile("\u001B\\[[0-?]*[ -/]*[@-~]");
  private static final Pattern OSC = Pattern.compile("\u001B\\][^\u0007\u001B]*(?:\u0007|\u001B\\\\)?");
  private static final Pattern OTHER_ESC = Pattern.compile("\u001B[@-Z\\\\-_()#%*+][0-9A-Za-z]?");
  private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]");
  private static final Pattern BLANK_LINES = Pattern.compile("\n{3,}");

  @Override
  public Optional<String> text(String recordingUri, int maxChars) throws IOException {
    if (recordingUri == null || !recordingUri.startsWith("file:")) {
      return Optional.empty();
    }
    Path path;
    try {
      path = Path.of(URI.create(recordingUri));
    } catch (IllegalArgumentException e) {
      throw new IOException("bad recording uri " + recordingUri + ": " + e.getMessage(), e);
    }
    StringBuilder raw = new StringBuilder();
    try (InputStream in = Files.newInputStream(path);
         BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
             .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)))) {
      String first = r.readLine();
      if (first == null) {
        return Optional.of("");
      }
      if (isAsciicastHeader(first)) {
        String line;
        while ((line = r.readLine()) != null && raw.length() < maxChars) {
          appendOutputEvent(line, raw);
        }
      } else {
        raw.append(first).append('\n');
        char[] buf = new char[8192];
        int n;
        while (raw.length() < maxChars && (n = r.read(buf)) > 0) {
          raw.append(buf, 0, n);
        }
      }
    }
    String text = clean(raw.toString());
    return Optional.of(text.length() > maxChars ? text.substring(0, maxChars) : text);
  }

  private static boolean isAsciicastHeader(String line) {
    String t = line.strip();
    if (!t.startsWith("{")) {
      return false;
    }
    try {
      return JSON.readTree(t).has("version");
    } catch (IOException e) {
      return false;
    }
  }

  private static void appendOutputEvent(String line, StringBuilder out) {
    String t = line.strip();
    if (!t.startsWith("[")) {
      return;
    }
    try {
      JsonNode ev = JSON.readTree(t);
      if (ev.isArray() && ev.size() >= 3 && "o".equals(ev.get(1).asText())) {
        out.append(ev.get(2).asText());
      }
    } catch (IOException e) {
      // a damaged line costs its text, not the whole recording
    }
  }

  /** Terminal bytes to readable text: escape sequences and control characters out, line ends normalised. */
  static String clean(String s) {
    String t = OSC.matcher(s).replaceAll("");
    t = CSI.matcher(t).replaceAll("");
    t = OTHER_ESC.matcher(t).replaceAll("");
    t = t.replace("\r\n", "\n").replace('\r', '\n');
    t = CONTROL.matcher(t).replaceAll("");
    return BLANK_LINES.matcher(t).replaceAll("\n\n");
  }
}
