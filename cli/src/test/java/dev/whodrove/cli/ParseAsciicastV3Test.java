package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.testkit.AsciicastFixtures;
import dev.whodrove.testkit.AsciicastV3;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code whodrove parse --json} over the real asciicast recordings and their v3 rewrites: the same labels from both,
 * no person called an agent, every agent an agent; recorded keystrokes reach the features.
 */
class ParseAsciicastV3Test {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  /** parse --json over {@code dir}: file name → output line. */
  private static Map<String, JsonNode> parse(Path dir) throws Exception {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int status;
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      status = Main.commandLine().execute("parse", "--json", dir.toString());
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    assertThat(e.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(status).isZero();
    Map<String, JsonNode> byFile = new HashMap<>();
    for (String l : o.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!l.isBlank()) {
        JsonNode n = JSON.readTree(l);
        byFile.put(Path.of(n.get("file").asText()).getFileName().toString(), n);
      }
    }
    return byFile;
  }

  @Test
  void everyRecordingAndItsV3RewriteGetTheSameLabels() throws Exception {
    Path v2 = Files.createDirectories(tmp.resolve("v2"));
    Path v3 = Files.createDirectories(tmp.resolve("v3"));
    Map<String, Integer> clamped = new HashMap<>();
    for (AsciicastFixtures.Fixture f : AsciicastFixtures.ALL) {
      Files.write(v2.resolve(f.fileName()), f.bytes());
      AsciicastV3.Rewrite r = AsciicastV3.rewrite(f.bytes());
      Files.write(v3.resolve(f.fileName()), r.bytes());
      clamped.put(f.fileName(), r.clampedEvents());
    }
    Map<String, JsonNode> fromV2 = parse(v2);
    Map<String, JsonNode> fromV3 = parse(v3);
    assertThat(fromV2).hasSize(AsciicastFixtures.ALL.size());
    assertThat(fromV3).hasSize(AsciicastFixtures.ALL.size());
    for (AsciicastFixtures.Fixture f : AsciicastFixtures.ALL) {
      JsonNode a = fromV2.get(f.fileName());
      JsonNode b = fromV3.get(f.fileName());
      assertThat(b.get("labels")).as(f.name()).isEqualTo(a.get("labels"));
      assertThat(b.get("labels").get("operator.type").asText()).as(f.name() + " " + b.get("labels"))
          .isEqualTo(f.driver());
      assertThat(b.at("/features/teleport/recording_format").asText()).isEqualTo("asciicast-v3");
      assertThat(a.at("/features/teleport/recording_format").asText()).isEqualTo("asciicast-v2");
      if (clamped.get(f.fileName()) == 0) {
        // time never stepped back: the same features and segments, to the millisecond
        assertThat(withoutFormat(b)).as(f.name()).isEqualTo(withoutFormat(a));
      }
    }
  }

  /** The output line less what names the file (its path) and its format. */
  private static JsonNode withoutFormat(JsonNode line) {
    ObjectNode n = line.deepCopy();
    ((ObjectNode) n.get("features").get("teleport")).remove(java.util.List.of("recording_format", "recording_uri"));
    n.remove("file");
    return n;
  }

  @Test
  void recordedKeystrokesAreEvidenceInTheFeatures() throws Exception {
    // a person's recording with its typed keys captured as input: each key 40 ms before its echo
    String[] lines = new String(AsciicastFixtures.named("h7").bytes(), StandardCharsets.UTF_8).split("\n");
    StringBuilder withInput = new StringBuilder(lines[0]).append('\n');
    int keys = 0;
    for (int i = 1; i < lines.length; i++) {
      JsonNode e = JSON.readTree(lines[i]);
      String data = e.get(2).asText();
      int bytes = data.getBytes(StandardCharsets.UTF_8).length;
      if ("o".equals(e.get(1).asText()) && bytes >= 1 && bytes <= 4 && e.get(0).asDouble() > 0.04) {
        withInput.append(JSON.writeValueAsString(JSON.createArrayNode()
            .add(e.get(0).decimalValue().subtract(new java.math.BigDecimal("0.04"))).add("i").add(data))).append('\n');
        keys++;
      }
      withInput.append(lines[i]).append('\n');
    }
    assertThat(keys).isGreaterThan(100);
    Path dir = Files.createDirectories(tmp.resolve("typed"));
    Files.write(dir.resolve("h7-typed.cast"), AsciicastV3.fromV2(withInput.toString().getBytes(StandardCharsets.UTF_8)));
    Files.write(dir.resolve("a2.cast"), AsciicastV3.fromV2(AsciicastFixtures.named("a2").bytes()));
    Map<String, JsonNode> out = parse(dir);

    JsonNode person = out.get("h7-typed.cast");
    assertThat(person.at("/features/teleport/input_events").asLong()).isEqualTo(keys);
    assertThat(person.at("/features/teleport/typed_keystrokes").asLong()).isGreaterThan(keys / 2);
    assertThat(person.at("/labels/operator.type").asText()).isEqualTo("human");
    // the harness's input is whole command lines: none of it typed
    JsonNode agent = out.get("a2.cast");
    assertThat(agent.at("/features/teleport/input_events").asLong()).isEqualTo(5);
    assertThat(agent.at("/features/teleport/typed_keystrokes").asLong()).isZero();
    assertThat(agent.at("/labels/operator.type").asText()).isEqualTo("agent");
  }
}
