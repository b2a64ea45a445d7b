package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.sim.ProtoStreamWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Recordings whose times would overflow {@code seconds * 1000} or mean nothing: each is refused with a
 * {@code bad-time} reason naming the value, never turned into a wrapped-around time.
 */
class HostileTimesTest {
  private final List<RecordingEvent> out = new ArrayList<>();

  private RecordingDecoder.Result decode(byte[] bytes) throws IOException {
    return new RecordingDecoder(RecordingDecoder.Settings.defaults())
        .decode(new ByteArrayInputStream(bytes), "sid-1", "file:///recordings/x", bytes.length, out::add);
  }

  private static byte[] cast(String header, String... events) {
    StringBuilder b = new StringBuilder(header).append('\n');
    for (String e : events) {
      b.append(e).append('\n');
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"9223372036854775807", "18446744073709551617", "1e30", "-5", "253402300800"})
  void anAsciicastHeaderTimestampOutOfRangeIsRefused(String timestamp) throws IOException {
    RecordingDecoder.Result r = decode(cast("{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": "
        + timestamp + "}", "[0.5, \"o\", \"hi\"]"));
    assertThat(r.ok()).isFalse();
    assertThat(r.error().reason()).isEqualTo("bad-time");
    assertThat(r.error().getMessage()).startsWith("asciicast header timestamp ")
        .containsAnyOf("is not a whole number of seconds", "is not between 1970 and 9999");
    assertThat(out).singleElement().satisfies(e -> assertThat(e.getComplete().getParseError())
        .isEqualTo(r.error().getMessage()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"1e300", "-1.5", "9223372036854775807", "253402300000"})
  void anAsciicastEventTimeOutOfRangeIsRefusedWithItsLine(String time) throws IOException {
    RecordingDecoder.Result r = decode(cast("{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": "
        + "1700000000}", "[0.5, \"o\", \"hi\"]", "[" + time + ", \"o\", \"later\"]"));
    assertThat(r.ok()).isFalse();
    assertThat(r.error().reason()).isEqualTo("bad-time");
    assertThat(r.error().getMessage()).startsWith("asciicast event at line 3 (byte offset ")
        .contains("has an event time ");
    // what came before the bad line is out, with the recording closed by its RecordingComplete
    assertThat(out).extracting(RecordingEvent::getType).containsExactly("session.start", "print",
        "recording.complete");
    assertThat(out.stream().mapToLong(RecordingEvent::getTimeMs).allMatch(t -> t >= 0)).isTrue();
  }

  @Test
  void aTeleportEventTimeBeyondTheYear9999IsRefusedNotWrappedAround() throws IOException {
    // Long.MAX_VALUE / 1000 + 1 seconds would wrap to a negative time when multiplied by 1000
    long hostileSeconds = Long.MAX_VALUE / 1000 + 1;
    OneOf hostile = TestEvents.print(3, 1, "boom", 20, 4);
    hostile = hostile.toBuilder().setSessionPrint(hostile.getSessionPrint().toBuilder().setMetadata(
        hostile.getSessionPrint().getMetadata().toBuilder().setTime(Timestamp.newBuilder()
            .setSeconds(hostileSeconds)))).build();
    byte[] recording = TestEvents.write(List.of(TestEvents.start(0), TestEvents.print(1, 0, "ok", 10, 0),
        TestEvents.resize(2, "80:24"), hostile, TestEvents.end(4)), ProtoStreamWriter.Options.defaults());

    RecordingDecoder.Result r = decode(recording);

    assertThat(r.ok()).isFalse();
    assertThat(r.error().reason()).isEqualTo("bad-time");
    assertThat(r.error().getMessage()).startsWith("event 3 before byte offset ")
        .contains("time out of range (seconds " + hostileSeconds + ", nanos 0)");
    assertThat(out.get(out.size() - 1).getComplete().getParseError()).isEqualTo(r.error().getMessage());
    assertThat(out.stream().mapToLong(RecordingEvent::getTimeMs).allMatch(t -> t >= 0)).isTrue();
  }

  @Test
  void secondaryTimesAndNanosAreCheckedToo() {
    assertThat(TeleportEventConverter.millis(Timestamp.newBuilder().setSeconds(1_700_000_000).setNanos(5_000_000)
        .build())).isEqualTo(1_700_000_000_005L);
    assertThat(TeleportEventConverter.millis(Timestamp.newBuilder().setSeconds(-62_135_596_800L).build()))
        .as("Go's zero time is unset").isZero();
    assertThatThrownBy(() -> TeleportEventConverter.millis(Timestamp.newBuilder().setSeconds(1_700_000_000)
        .setNanos(-1).build())).isInstanceOf(EventTimes.OutOfRange.class).hasMessageContaining("nanos -1");
    assertThatThrownBy(() -> TeleportEventConverter.millis(Timestamp.newBuilder().setSeconds(-1).build()))
        .isInstanceOf(EventTimes.OutOfRange.class);
    assertThatThrownBy(() -> TeleportEventConverter.millis(Timestamp.newBuilder().setSeconds(Long.MAX_VALUE)
        .build())).isInstanceOf(EventTimes.OutOfRange.class).hasMessageContaining("not between 1970 and 9999");
  }
}
