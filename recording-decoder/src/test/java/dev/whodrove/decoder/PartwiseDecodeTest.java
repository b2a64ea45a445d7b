package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.whodrove.schemas.PrintEvents;
import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.schemas.v1.RecordingComplete;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.sim.ProtoStreamWriter;
import dev.whodrove.testkit.Fuzz;
import dev.whodrove.testkit.HostileInputs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInfo;

/**
 * Decoding part by part, on any number of threads, hands the sink what one reader does: the same prints (as numbers),
 * the same other events, the same counts and the same error, for sound, cut and hostile recordings.
 */
class PartwiseDecodeTest {
  private static final String URI = "s3://b/k.tar";
  private static final long SHARE = 32L << 20;
  private final RecordingDecoder decoder = new RecordingDecoder(RecordingDecoder.Settings.defaults());

  /** What a sink saw: prints as "p index time bytes delay edits", other events as themselves. */
  private record Decoded(List<Object> seen, RecordingComplete complete, String error, String reason) {}

  private Decoded oneReader(byte[] rec, long size, DecodeLimits limits) throws IOException {
    List<Object> seen = new ArrayList<>();
    RecordingDecoder d = new RecordingDecoder(new RecordingDecoder.Settings(limits, PrintPayload.DERIVED, false));
    RecordingDecoder.Result r = d.decode(new ByteArrayInputStream(rec), TestEvents.SID, URI, size, e -> {
      if (e.hasPrints()) {
        PrintEvents.forEachCounts(e, (i, t, b, dl, ed) -> seen.add(printRow(i, t, b, dl, ed)));
      } else {
        seen.add(e);
      }
    });
    return new Decoded(seen, r.complete(), r.ok() ? null : r.error().getMessage(), r.ok() ? "ok" : r.error().reason());
  }

  private Decoded byParts(byte[] rec, long size, int threads, long share, DecodeLimits limits) throws IOException {
    return byParts(new ByteArrayInputStream(rec), size, threads, share, limits);
  }

  private Decoded byParts(InputStream in, long size, int threads, long share, DecodeLimits limits)
      throws IOException {
    List<Object> seen = new ArrayList<>();
    RecordingDecoder d = new RecordingDecoder(new RecordingDecoder.Settings(limits, PrintPayload.DERIVED, false));
    RecordingDecoder.Result r = d.decodeByParts(in, TestEvents.SID, URI, size, threads, share,
        new RecordingDecoder.EventSink() {
          @Override
          public void print(long index, long timeMs, long bytes, long delayMs, int editChars) {
            seen.add(printRow(index, timeMs, bytes, delayMs, editChars));
          }

          @Override
          public void event(RecordingEvent e) {
            seen.add(e);
          }
        });
    return new Decoded(seen, r.complete(), r.ok() ? null : r.error().getMessage(), r.ok() ? "ok" : r.error().reason());
  }

  private static String printRow(long index, long timeMs, long bytes, long delayMs, int editChars) {
    return "p " + index + " " + timeMs + " " + bytes + " " + delayMs + " " + editChars;
  }

  /** The serialized records a decode publishes, and how it ended. */
  private record Published(List<ByteString> records, RecordingComplete complete, String error) {}

  private Published published(byte[] rec, long size, int threads, long share, DecodeLimits limits)
      throws IOException {
    List<ByteString> records = new ArrayList<>();
    RecordingDecoder d = new RecordingDecoder(new RecordingDecoder.Settings(limits, PrintPayload.DERIVED, false));
    RecordingDecoder.SerializedSink sink = (buf, off, len) -> records.add(ByteString.copyFrom(buf, off, len));
    RecordingDecoder.Result r = threads == 0
        ? d.decodeSerialized(new ByteArrayInputStream(rec), TestEvents.SID, URI, size, sink)
        : d.decodeSerializedByParts(new ByteArrayInputStream(rec), TestEvents.SID, URI, size, threads, share, sink);
    return new Published(records, r.complete(), r.ok() ? null : r.error().getMessage());
  }

  /**
   * Every way of decoding {@code rec} part by part gives what one reader gives: to an {@link RecordingDecoder.EventSink}
   * the same prints and events, and as serialized records (what the service publishes) the same bytes.
   */
  private void assertSameEverywhere(byte[] rec, long size, DecodeLimits limits) throws IOException {
    Decoded want = oneReader(rec, size, limits);
    Published wantPublished = published(rec, size, 0, SHARE, limits);
    for (int threads : new int[] {1, 2, 3}) {
      for (long share : new long[] {SHARE, 4096}) {
        Decoded got = byParts(rec, size, threads, share, limits);
        String as = threads + " thread(s), share " + share;
        assertThat(got.error()).as(as).isEqualTo(want.error());
        assertThat(got.complete()).as(as).isEqualTo(want.complete());
        assertThat(got.seen()).as(as).isEqualTo(want.seen());
        Published pub = published(rec, size, threads, share, limits);
        assertThat(pub.error()).as(as).isEqualTo(wantPublished.error());
        assertThat(pub.complete()).as(as).isEqualTo(wantPublished.complete());
        assertThat(pub.records()).as(as).isEqualTo(wantPublished.records());
      }
    }
  }

  @Test
  void aRecordingOfManyPartsGivesTheSameEventsAndCounts() throws IOException {
    byte[] rec = TestEvents.write(TestEvents.sessionWithOutput(20_000, 3), new ProtoStreamWriter.Options(64 * 1024,
        70 * 1024, 1));
    Decoded want = oneReader(rec, rec.length, DecodeLimits.defaults());
    assertThat(want.complete().getParts()).isGreaterThan(10);
    assertThat(want.error()).isNull();
    assertSameEverywhere(rec, rec.length, DecodeLimits.defaults());
    assertSameEverywhere(rec, -1, DecodeLimits.defaults());
  }

  @Test
  void indexesRepeatedAcrossPartsAreDroppedAsOneReaderDrops() throws IOException {
    List<OneOf> events = new ArrayList<>(TestEvents.session(3_000, 5));
    List<OneOf> replayed = new ArrayList<>(events.subList(0, events.size() - 1));
    replayed.addAll(events.subList(1_000, 2_000)); // a second delivery of the middle, in later parts
    replayed.add(events.get(events.size() - 1));
    byte[] rec = TestEvents.write(replayed, new ProtoStreamWriter.Options(16 * 1024, 0, 2));
    Decoded want = oneReader(rec, rec.length, DecodeLimits.defaults());
    assertThat(want.complete().getSkippedEvents()).isGreaterThan(0);
    assertSameEverywhere(rec, rec.length, DecodeLimits.defaults());
  }

  @Test
  void cutRecordingsEndWithTheSameErrorAfterTheSameEvents() throws IOException {
    byte[] good = TestEvents.write(TestEvents.session(30_000, 5), new ProtoStreamWriter.Options(64 * 1024, 0, 1));
    for (int at : new int[] {good.length / 3, good.length * 2 / 3, good.length - 3, 20}) {
      byte[] cut = Arrays.copyOf(good, at);
      assertSameEverywhere(cut, cut.length, DecodeLimits.defaults());
      assertSameEverywhere(cut, -1, DecodeLimits.defaults());
      // the store said the object is longer: the stream ended early, a retryable failure
      assertThatThrownBy(() -> byParts(cut, good.length, 2, SHARE, DecodeLimits.defaults()))
          .isInstanceOf(IOException.class).hasMessageContaining("before the object size " + good.length);
    }
  }

  @Test
  void theDecompressionCapStopsAtTheSameRecord() throws IOException {
    byte[] rec = TestEvents.write(TestEvents.sessionWithOutput(10_000, 9), new ProtoStreamWriter.Options(64 * 1024,
        0, 1));
    long inflated = oneReader(rec, rec.length, DecodeLimits.defaults()).complete().getDecompressedBytes();
    DecodeLimits capped = new DecodeLimits(inflated * 3 / 5, DecodeLimits.defaults().maxParts(), -1);
    Decoded want = oneReader(rec, rec.length, capped);
    assertThat(want.error()).contains("exceeds the cap");
    assertSameEverywhere(rec, rec.length, capped);
  }

  @TestFactory
  Stream<DynamicTest> hostileRecordingsDecodeAlike(TestInfo test) {
    return Fuzz.forAll(test, 200, HostileInputs.mutants(RecordingParsersFuzzTest.PROTOSTREAMS),
        (m, tally) -> {
          assertSameEverywhere(m.bytes(), m.bytes().length, DecodeLimits.defaults());
          tally.add("ended:" + oneReader(m.bytes(), m.bytes().length, DecodeLimits.defaults()).reason());
        }, tally -> tally.kinds("ended:", 6));
  }

  @TestFactory
  Stream<DynamicTest> hostileRecordsDecodeAlike(TestInfo test) {
    return Fuzz.forAll(test, 200, RecordingParsersFuzzTest.HOSTILE_RECORDS,
        (b, tally) -> {
          assertSameEverywhere(b, b.length, DecodeLimits.defaults());
          tally.add("ended:" + oneReader(b, b.length, DecodeLimits.defaults()).reason());
        }, tally -> tally.kinds("ended:", 3));
  }

  @Test
  void aFailingStreamAndAFailingSinkReachTheCallerAndStopTheThreads() throws Exception {
    byte[] rec = TestEvents.write(TestEvents.session(30_000, 7), new ProtoStreamWriter.Options(32 * 1024, 0, 1));
    InputStream failing = new InputStream() {
      private final InputStream in = new ByteArrayInputStream(rec, 0, rec.length / 2);

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
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
    assertThatThrownBy(() -> byParts(failing, rec.length, 2, SHARE, DecodeLimits.defaults()))
        .isInstanceOf(IOException.class).hasMessage("connection reset");

    int[] seen = {0};
    assertThatThrownBy(() -> decoder.decodeByParts(new ByteArrayInputStream(rec), TestEvents.SID, URI, rec.length, 2,
        new RecordingDecoder.EventSink() {
          @Override
          public void print(long index, long timeMs, long bytes, long delayMs, int editChars) {
            if (++seen[0] == 3) {
              throw new IllegalStateException("sink full");
            }
          }

          @Override
          public void event(RecordingEvent e) {
          }
        })).isInstanceOf(IllegalStateException.class).hasMessage("sink full");
    assertThat(seen[0]).isEqualTo(3);
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (decodeThreads() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(decodeThreads()).as("decoding threads still running").isZero();
  }

  private static long decodeThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("whodrove-decode-") && t.isAlive()).count();
  }

  @Test
  void rawPayloadsAndZeroThreadsAreRefused() {
    RecordingDecoder raw = new RecordingDecoder(new RecordingDecoder.Settings(DecodeLimits.defaults(),
        PrintPayload.RAW, false));
    RecordingDecoder.EventSink none = new RecordingDecoder.EventSink() {
      @Override
      public void print(long index, long timeMs, long bytes, long delayMs, int editChars) {
      }

      @Override
      public void event(RecordingEvent e) {
      }
    };
    assertThatThrownBy(() -> raw.decodeByParts(new ByteArrayInputStream(new byte[0]), "s", URI, 0, 2, none))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> decoder.decodeByParts(new ByteArrayInputStream(new byte[0]), "s", URI, 0, 0, none))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
  }
}
