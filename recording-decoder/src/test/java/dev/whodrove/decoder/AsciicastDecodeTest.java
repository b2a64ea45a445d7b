package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.testkit.AsciicastFixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AsciicastDecodeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The real recordings, by name (people and agent harnesses). */
  static List<String> fixtures() {
    return AsciicastFixtures.ALL.stream().map(AsciicastFixtures.Fixture::name).toList();
  }

  private static RecordingDecoder.Result decode(byte[] bytes, List<RecordingEvent> out) throws IOException {
    return new RecordingDecoder(RecordingDecoder.Settings.defaults())
        .decode(new ByteArrayInputStream(bytes), "sid-1", "file:///recordings/x.cast", bytes.length, out::add);
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void decodesRealRecordings(String name) throws IOException {
    byte[] bytes = AsciicastFixtures.named(name).bytes();
    // independent reading of the same file
    List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    JsonNode header = JSON.readTree(lines.get(0));
    long outputs = 0;
    long inputs = 0;
    long outBytes = 0;
    for (String l : lines.subList(1, lines.size())) {
      JsonNode e = JSON.readTree(l);
      if (e.get(1).asText().equals("o")) {
        outputs++;
        outBytes += e.get(2).asText().getBytes(StandardCharsets.UTF_8).length;
      } else if (e.get(1).asText().equals("i")) {
        inputs++;
      }
    }

    List<RecordingEvent> out = new ArrayList<>();
    RecordingDecoder.Result r = decode(bytes, out);

    assertThat(r.error()).isNull();
    RecordingEvent first = out.get(0);
    assertThat(first.getSessionStart().getTerminalSize())
        .isEqualTo(header.get("width").asInt() + ":" + header.get("height").asInt());
    assertThat(first.getTimeMs()).isEqualTo(header.get("timestamp").asLong() * 1000);
    assertThat(out.stream().filter(RecordingEvent::hasPrint).count()).isEqualTo(outputs);
    assertThat(out.stream().filter(RecordingEvent::hasInput).count()).isEqualTo(inputs);
    assertThat(out.stream().filter(RecordingEvent::hasPrint).mapToLong(e -> e.getPrint().getBytes()).sum())
        .isEqualTo(outBytes);
    assertThat(out.stream().filter(e -> e.getRecordingUri().isEmpty() || !e.getSessionId().equals("sid-1"))).isEmpty();
    assertThat(out.stream().allMatch(e -> !e.hasPrint() || e.getPrint().getRaw().isEmpty())).isTrue();
    RecordingEvent end = out.get(out.size() - 2);
    assertThat(end.hasSessionEnd()).isTrue();
    RecordingEvent complete = out.get(out.size() - 1);
    assertThat(complete.getComplete().getFormat()).isEqualTo("asciicast-v2");
    assertThat(complete.getComplete().getParseError()).isEmpty();
    assertThat(complete.getComplete().getPrintEvents()).isEqualTo(outputs);
    assertThat(complete.getComplete().getEmittedEvents()).isEqualTo(out.size() - 1);
    assertThat(complete.getComplete().getObjectSizeBytes()).isEqualTo(bytes.length);
    // recording order: indexes strictly increase, chunks are numbered in order (some real agent recordings have
    // timestamps that step back a little, so delays are passed through as written)
    for (int i = 1; i < out.size(); i++) {
      assertThat(out.get(i).getIndex()).isGreaterThan(out.get(i - 1).getIndex());
    }
    long lastChunk = -1;
    for (RecordingEvent e : out) {
      if (e.hasPrint()) {
        assertThat(e.getPrint().getChunkIndex()).isEqualTo(lastChunk + 1);
        lastChunk = e.getPrint().getChunkIndex();
      }
    }
  }

  @Test
  void agentRecordingsCarryKeystrokeInput() throws IOException {
    List<RecordingEvent> out = new ArrayList<>();
    decode(AsciicastFixtures.named("a1").bytes(), out);
    RecordingEvent input = out.stream().filter(RecordingEvent::hasInput).findFirst().orElseThrow();
    assertThat(input.getType()).isEqualTo("input");
    assertThat(input.getInput().getBytes()).isPositive();
  }

  @Test
  void mapsResizeAndRawPayloadWhenConfigured() throws IOException {
    byte[] cast = ("{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": 1700000000}\n"
        + "[0.5, \"o\", \"hi\\r\\n\"]\n\n[1.25, \"r\", \"100x30\"]\n[2.0, \"i\", \"\\u007f\"]\n[3, \"m\", \"\"]\n")
        .getBytes(StandardCharsets.UTF_8);
    List<RecordingEvent> out = new ArrayList<>();
    new RecordingDecoder(new RecordingDecoder.Settings(DecodeLimits.defaults(), PrintPayload.RAW, false))
        .decode(new ByteArrayInputStream(cast), "s", "u", cast.length, out::add);
    assertThat(out).extracting(RecordingEvent::getType)
        .containsExactly("session.start", "print", "resize", "input", "session.end", "recording.complete");
    assertThat(out.get(1).getPrint().getRaw().toStringUtf8()).isEqualTo("hi\r\n");
    assertThat(out.get(1).getPrint().getNewlines()).isEqualTo(1);
    assertThat(out.get(1).getTimeMs()).isEqualTo(1_700_000_000_500L);
    assertThat(out.get(2).getResize().getTerminalSize()).isEqualTo("100:30");
    assertThat(out.get(3).getInput().getEditChars()).isEqualTo(1);
    assertThat(out.get(4).getSessionEnd().getEndMs()).isEqualTo(1_700_000_003_000L);
    assertThat(out.get(5).getComplete().getTotalEvents()).isEqualTo(4);
  }

  @Test
  void malformedLineNamesLineAndOffset() throws IOException {
    String header = "{\"version\": 2, \"width\": 80, \"height\": 24}\n";
    String good = "[0.1, \"o\", \"a\"]\n";
    byte[] cast = (header + good + "[0.2, \"o\"]\n").getBytes(StandardCharsets.UTF_8);
    List<RecordingEvent> out = new ArrayList<>();
    RecordingDecoder.Result r = decode(cast, out);
    assertThat(r.error()).hasMessage("malformed asciicast event at line 3 (byte offset "
        + (header.length() + good.length()) + "): event data is not a string");
    assertThat(out).extracting(RecordingEvent::getType)
        .containsExactly("session.start", "print", "recording.complete");
    assertThat(out.get(2).getComplete().getParseError()).isEqualTo(r.error().getMessage());
  }

  /** The parser's message quotes the bad character, here a surrogate in UTF-8 form; what is emitted is what it says. */
  @Test
  void malformedLineQuotingALoneSurrogateReadsTheSameOnTheTopic() throws IOException {
    ByteArrayOutputStream cast = new ByteArrayOutputStream();
    String head = "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \"a\\";
    cast.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    cast.writeBytes(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80});
    cast.writeBytes("\"]\n".getBytes(StandardCharsets.UTF_8));
    List<RecordingEvent> out = new ArrayList<>();
    RecordingDecoder.Result r = decode(cast.toByteArray(), out);
    assertThat(r.error().getMessage()).startsWith("malformed asciicast event at line 2").contains("\ufffd")
        .doesNotContain("\ud800");
    assertThat(out.get(out.size() - 1).getComplete()).isEqualTo(r.complete());
  }

  @Test
  void overlongLineIsRefused() throws IOException {
    byte[] cast = ("{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \""
        + "x".repeat(AsciicastReader.MAX_LINE_BYTES) + "\"]\n").getBytes(StandardCharsets.UTF_8);
    RecordingDecoder.Result r = decode(cast, new ArrayList<>());
    assertThat(r.error()).hasMessage("asciicast line 2 at byte offset 42 is longer than 1048576 bytes");
  }
}
