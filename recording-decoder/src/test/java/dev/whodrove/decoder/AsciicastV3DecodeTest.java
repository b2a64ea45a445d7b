package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.testkit.AsciicastFixtures;
import dev.whodrove.testkit.AsciicastV3;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** asciicast v3: the real recordings rewritten as v3 decode to what their v2 originals give; hostile v3 files stop cleanly. */
class AsciicastV3DecodeTest {
  private static final String HEADER = "{\"version\": 3, \"term\": {\"cols\": 80, \"rows\": 24, \"type\": \"xterm\"}, "
      + "\"timestamp\": 1700000000}\n";

  static List<String> fixtures() {
    return AsciicastFixtures.ALL.stream().map(AsciicastFixtures.Fixture::name).toList();
  }

  private static RecordingDecoder.Result decode(byte[] bytes, List<RecordingEvent> out) throws IOException {
    return new RecordingDecoder(RecordingDecoder.Settings.defaults())
        .decode(new ByteArrayInputStream(bytes), "sid-1", "file:///recordings/x.cast", bytes.length, out::add);
  }

  private static RecordingDecoder.Result decode(String cast, List<RecordingEvent> out) throws IOException {
    return decode(cast.getBytes(StandardCharsets.UTF_8), out);
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void aRecordingRewrittenAsV3DecodesToTheSameEvents(String name) throws IOException {
    byte[] v2 = AsciicastFixtures.named(name).bytes();
    AsciicastV3.Rewrite v3 = AsciicastV3.rewrite(v2);
    List<RecordingEvent> fromV2 = new ArrayList<>();
    List<RecordingEvent> fromV3 = new ArrayList<>();
    assertThat(decode(v2, fromV2).error()).isNull();
    RecordingDecoder.Result r = decode(v3.bytes(), fromV3);
    assertThat(r.error()).isNull();
    assertThat(r.complete().getFormat()).isEqualTo("asciicast-v3");
    assertThat(RecordingFormat.sniff(v3.bytes(), Math.min(v3.bytes().length, RecordingFormat.SNIFF_BYTES)))
        .isEqualTo(RecordingFormat.ASCIICAST_V3);
    assertThat(r.complete().getTotalEvents()).isEqualTo(fromV2.get(fromV2.size() - 1).getComplete().getTotalEvents()
        + 1); // the exit event

    // indexes are line numbers: the v3 file has a comment line before the first event, so every event after the
    // synthesized start is one line later (the exit event adds no event, so the end follows the last one as in v2)
    List<RecordingEvent> a = withoutComplete(fromV2);
    List<RecordingEvent> b = withoutComplete(fromV3).stream().map(e -> e.hasSessionStart() ? e
        : e.toBuilder().setIndex(e.getIndex() - 1).build()).toList();
    assertThat(b).hasSameSizeAs(a);
    if (v3.clampedEvents() == 0) {
      for (int i = 0; i < a.size(); i++) {
        assertThat(b.get(i)).as(name + " event " + i).isEqualTo(a.get(i)); // times included, to the millisecond
      }
      return;
    }
    // a recording whose time stepped back: only the events that stepped back are later, by less than a second
    int moved = 0;
    for (int i = 0; i < a.size(); i++) {
      RecordingEvent x = a.get(i);
      RecordingEvent y = b.get(i);
      if (x.getTimeMs() != y.getTimeMs()) {
        moved++;
        assertThat(y.getTimeMs() - x.getTimeMs()).as(name + " event " + i).isBetween(1L, 1000L);
      }
      assertThat(strip(y)).isEqualTo(strip(x));
    }
    assertThat(moved).isPositive().isLessThanOrEqualTo(v3.clampedEvents());
  }

  private static List<RecordingEvent> withoutComplete(List<RecordingEvent> events) {
    return events.subList(0, events.size() - 1);
  }

  /** An event without its times (delays included). */
  private static RecordingEvent strip(RecordingEvent e) {
    RecordingEvent.Builder b = e.toBuilder().clearTimeMs();
    if (b.hasPrint()) {
      b.getPrintBuilder().clearDelayMs();
    }
    if (b.hasInput()) {
      b.getInputBuilder().clearDelayMs();
    }
    if (b.hasSessionEnd()) {
      b.getSessionEndBuilder().clearEndMs();
    }
    return b.build();
  }

  @Test
  void intervalsAddUpWithoutDrift() throws IOException {
    StringBuilder cast = new StringBuilder(HEADER);
    int n = 100_000;
    for (int i = 0; i < n; i++) {
      cast.append("[0.1, \"o\", \"x\"]\n");
    }
    List<RecordingEvent> out = new ArrayList<>();
    assertThat(decode(cast.toString(), out).error()).isNull();
    double floatSum = 0;
    for (int i = 0; i < n; i++) {
      floatSum += 0.1;
    }
    assertThat(floatSum).isNotEqualTo(10_000.0); // what a running double sum would have said
    RecordingEvent lastPrint = out.get(out.size() - 3);
    assertThat(lastPrint.getPrint().getDelayMs()).isEqualTo(10_000_000L);
    assertThat(lastPrint.getTimeMs()).isEqualTo(1_700_000_000_000L + 10_000_000L);
    assertThat(out.get(out.size() - 2).getSessionEnd().getEndMs()).isEqualTo(1_700_000_000_000L + 10_000_000L);
  }

  @Test
  void everyEventCodeMapsAsInV2AndCommentsAreSkipped() throws IOException {
    String cast = HEADER
        + "# a comment\n"
        + "[0.5, \"o\", \"hi\\r\\n\"]\n"
        + "\n"
        + "[0.25, \"i\", \"l\"]\n"
        + "[0.75, \"r\", \"100x30\"]\n"
        + "[1, \"m\", \"chapter\"]\n"
        + "[0.5, \"z\", \"a code asciinema may add later\"]\n"
        + "# another one\n"
        + "[0.000001, \"x\", \"0\"]\n";
    List<RecordingEvent> out = new ArrayList<>();
    RecordingDecoder.Result r = decode(cast, out);
    assertThat(r.error()).isNull();
    assertThat(out).extracting(RecordingEvent::getType)
        .containsExactly("session.start", "print", "input", "resize", "session.end", "recording.complete");
    assertThat(out.get(0).getSessionStart().getTerminalSize()).isEqualTo("80:24");
    assertThat(out.get(0).getTimeMs()).isEqualTo(1_700_000_000_000L);
    assertThat(out.get(1).getTimeMs()).isEqualTo(1_700_000_000_500L);
    assertThat(out.get(2).getInput().getDelayMs()).isEqualTo(750);
    assertThat(out.get(3).getTimeMs()).isEqualTo(1_700_000_001_500L);
    assertThat(out.get(3).getResize().getTerminalSize()).isEqualTo("100:30");
    // the marker, the unknown code and the exit count as events and move time on; nothing else is made of them
    assertThat(out.get(4).getSessionEnd().getEndMs()).isEqualTo(1_700_000_003_000L);
    assertThat(r.complete().getTotalEvents()).isEqualTo(6);
    assertThat(r.complete().getFormat()).isEqualTo("asciicast-v3");
  }

  @Test
  void theHeaderDecidesTheVersionWhenSniffingCannotSeeIt() throws IOException {
    String cast = "{\"title\": \"" + "t".repeat(600) + "\", \"version\": 3, \"term\": {\"cols\": 10, \"rows\": 5}}\n"
        + "[1.5, \"o\", \"a\"]\n";
    byte[] bytes = cast.getBytes(StandardCharsets.UTF_8);
    assertThat(RecordingFormat.sniff(bytes, RecordingFormat.SNIFF_BYTES)).isEqualTo(RecordingFormat.ASCIICAST_V2);
    List<RecordingEvent> out = new ArrayList<>();
    RecordingDecoder.Result r = decode(bytes, out);
    assertThat(r.error()).isNull();
    assertThat(r.complete().getFormat()).isEqualTo("asciicast-v3");
    assertThat(out.get(1).getPrint().getDelayMs()).isEqualTo(1500); // an interval, no timestamp: from 0
  }

  @Test
  void badHeadersAreRefusedByName() throws IOException {
    assertRefused("{\"version\": 3, \"width\": 80, \"height\": 24}\n",
        "asciicast v3 header at line 1 has no term object");
    assertRefused("{\"version\": 3, \"term\": \"xterm\"}\n", "asciicast v3 header at line 1 has no term object");
    assertRefused("{\"version\": 3, \"term\": {\"rows\": 24}}\n",
        "asciicast v3 header at line 1 term.cols is missing, not a whole number from 0 to 65535");
    assertRefused("{\"version\": 3, \"term\": {\"cols\": \"80\", \"rows\": 24}}\n",
        "asciicast v3 header at line 1 term.cols is \"80\", not a whole number from 0 to 65535");
    assertRefused("{\"version\": 3, \"term\": {\"cols\": 80, \"rows\": 1e12}}\n",
        "asciicast v3 header at line 1 term.rows is 1.0E12, not a whole number from 0 to 65535");
    assertRefused("{\"version\": 3, \"term\": {\"cols\": 80, \"rows\": 24}, \"timestamp\": -5}\n",
        "asciicast v3 header at line 1 timestamp -5 is not a Unix time in whole seconds");
    assertRefused("{\"version\": 3, \"term\": {\"cols\": 80, \"rows\": 24}, \"timestamp\": 99999999999999999999}\n",
        "asciicast v3 header at line 1 timestamp 99999999999999999999 is not a Unix time in whole seconds");
    assertRefused("# a comment cannot come first\n" + HEADER, "unsupported format unknown");
    assertRefused("{\"version\": 4, \"term\": {\"cols\": 80, \"rows\": 24}}\n", "unsupported format asciicast-v4");
  }

  /** The header is refused with a message starting with {@code message}; nothing but the RecordingComplete. */
  private static void assertRefused(String cast, String message) throws IOException {
    List<RecordingEvent> out = new ArrayList<>();
    RecordingDecoder.Result r = decode(cast + "[0.1, \"o\", \"x\"]\n", out);
    assertThat(r.error().getMessage()).as(cast).startsWith(message);
    assertThat(out).extracting(RecordingEvent::getType).containsExactly("recording.complete");
    assertThat(out.get(0).getComplete().getParseError()).isEqualTo(r.error().getMessage());
  }

  @Test
  void badIntervalsStopTheDecodeWhereTheyAre() throws IOException {
    String good = "[0.5, \"o\", \"a\"]\n";
    int offset = HEADER.length() + good.length();
    assertStops(good + "[-0.25, \"o\", \"b\"]\n", "malformed asciicast event at line 3 (byte offset " + offset
        + "): interval -0.25 s is negative (v3 times are gaps since the previous event)");
    assertStops(good + "[1e400, \"o\", \"b\"]\n", "malformed asciicast event at line 3 (byte offset " + offset
        + "): interval is not a finite number");
    assertStops(good + "[NaN, \"o\", \"b\"]\n", "malformed asciicast event at line 3 (byte offset " + offset
        + "): Non-standard token 'NaN'");
    assertStops(good + "[2592001, \"o\", \"b\"]\n", "malformed asciicast event at line 3 (byte offset " + offset
        + "): interval 2592001.0 s is longer than 2592000 s");
    assertStops(good + "[9.3e18, \"o\", \"b\"]\n", "malformed asciicast event at line 3 (byte offset " + offset
        + "): interval 9.3E18 s is longer than 2592000 s");
    assertStops(good + "[\"0.5\", \"o\", \"b\"]\n", "malformed asciicast event at line 3 (byte offset " + offset
        + "): time is not a number");
    // each interval allowed, their sum not: stopped where the recording passes 366 days, never wrapped around
    StringBuilder year = new StringBuilder(good);
    for (int i = 0; i < 13; i++) {
      year.append("[2592000, \"o\", \"b\"]\n");
    }
    int line14 = HEADER.length() + good.length() + 12 * "[2592000, \"o\", \"b\"]\n".length();
    assertStops(year.toString(), "malformed asciicast event at line 15 (byte offset " + line14
        + "): the recording would last longer than 31622400 s");
  }

  @Test
  void aTruncatedLastLineEndsWithTheEventsBeforeIt() throws IOException {
    String cast = HEADER + "[0.5, \"o\", \"a\"]\n[0.25, \"o\", \"b\"]\n[0.125, \"o\", \"unfinish";
    List<RecordingEvent> out = new ArrayList<>();
    RecordingDecoder.Result r = decode(cast, out);
    assertThat(r.error().getMessage()).startsWith("malformed asciicast event at line 4 (byte offset "
        + (cast.lastIndexOf('\n') + 1) + "): Unexpected end-of-input");
    assertThat(out).extracting(RecordingEvent::getType)
        .containsExactly("session.start", "print", "print", "recording.complete");
    assertThat(out.get(2).getTimeMs()).isEqualTo(1_700_000_000_750L);
    assertThat(r.complete().getParseError()).isEqualTo(r.error().getMessage());
    assertThat(r.complete().getFormat()).isEqualTo("asciicast-v3");
  }

  /** The decode stops with a message starting with {@code message}, after the first (good) event. */
  private static void assertStops(String events, String message) throws IOException {
    List<RecordingEvent> out = new ArrayList<>();
    RecordingDecoder.Result r = decode(HEADER + events, out);
    assertThat(r.error().getMessage()).startsWith(message);
    assertThat(r.error().reason()).isEqualTo("asciicast");
    assertThat(out.get(0).hasSessionStart()).isTrue();
    assertThat(out.get(1).getPrint().getDelayMs()).isEqualTo(500); // the events before the bad one still count
    assertThat(out.get(out.size() - 1).getComplete().getParseError()).isEqualTo(r.error().getMessage());
  }
}
