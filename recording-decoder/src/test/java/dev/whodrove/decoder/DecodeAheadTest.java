package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.sim.ProtoStreamWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Decoding ahead on a second thread hands the sink exactly what decoding on the caller's thread does. */
class DecodeAheadTest {
  private static final String URI = "s3://b/k.tar";
  private final RecordingDecoder decoder = new RecordingDecoder(RecordingDecoder.Settings.defaults());

  private record Decoded(List<RecordingEvent> events, RecordingDecoder.Result result) {}

  private Decoded onOneThread(byte[] rec) throws IOException {
    List<RecordingEvent> events = new ArrayList<>();
    RecordingDecoder.Result r = decoder.decode(new ByteArrayInputStream(rec), TestEvents.SID, URI, rec.length,
        events::add);
    return new Decoded(events, r);
  }

  private Decoded ahead(byte[] rec) throws IOException {
    List<RecordingEvent> events = new ArrayList<>();
    RecordingDecoder.Result r = DecodeAhead.decode(decoder, new ByteArrayInputStream(rec), TestEvents.SID, URI,
        rec.length, events::add);
    return new Decoded(events, r);
  }

  @Test
  void aLongRecordingGivesTheSameEventsAndResult() throws IOException {
    // many batches: more events than fit in the batches allowed to wait
    byte[] rec = TestEvents.write(TestEvents.sessionWithOutput(20_000, 3), ProtoStreamWriter.Options.teleport());
    Decoded want = onOneThread(rec);
    Decoded got = ahead(rec);
    assertThat(want.events()).hasSizeGreaterThan(10);
    assertThat(got.events()).isEqualTo(want.events());
    assertThat(got.result().complete()).isEqualTo(want.result().complete());
    assertThat(got.result().ok()).isTrue();
  }

  @Test
  void aBrokenRecordingEndsWithTheSameErrorAfterTheSameEvents() throws IOException {
    byte[] good = TestEvents.write(TestEvents.session(30_000, 5), new ProtoStreamWriter.Options(64 * 1024, 0, 1));
    byte[] cut = Arrays.copyOf(good, good.length * 2 / 3);
    Decoded want = onOneThread(cut);
    Decoded got = ahead(cut);
    assertThat(want.result().ok()).isFalse();
    assertThat(got.events()).isEqualTo(want.events());
    assertThat(got.result().error()).hasMessage(want.result().error().getMessage());
    assertThat(got.result().complete()).isEqualTo(want.result().complete());
  }

  @Test
  void aFailingStreamAndAFailingSinkReachTheCaller() throws IOException {
    byte[] rec = TestEvents.write(TestEvents.session(30_000, 7), ProtoStreamWriter.Options.teleport());
    InputStream failing = new InputStream() {
      private final InputStream in = new ByteArrayInputStream(rec, 0, rec.length / 2);

      @Override
      public int read() throws IOException {
        return read(new byte[1], 0, 1) < 0 ? -1 : 0;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n < 0) {
          throw new IOException("connection reset");
        }
        return n;
      }
    };
    assertThatThrownBy(() -> DecodeAhead.decode(decoder, failing, TestEvents.SID, URI, rec.length, e -> { }))
        .isInstanceOf(IOException.class).hasMessage("connection reset");

    int[] seen = {0};
    assertThatThrownBy(() -> DecodeAhead.decode(decoder, new ByteArrayInputStream(rec), TestEvents.SID, URI,
        rec.length, e -> {
          if (++seen[0] == 3) {
            throw new IllegalStateException("sink full");
          }
        })).isInstanceOf(IllegalStateException.class).hasMessage("sink full");
    assertThat(seen[0]).isEqualTo(3);
  }
}
