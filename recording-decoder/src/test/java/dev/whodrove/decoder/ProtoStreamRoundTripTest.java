package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.sim.ProtoStreamWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Random event sequences written by the writer and read back: equal, minus what Teleport's dedup rule drops. */
class ProtoStreamRoundTripTest {
  private static final int CASES = 150;

  /** A random sequence with duplicates, backward indexes and gaps, written in random part layouts. */
  private record Case(List<OneOf> written, List<OneOf> expected, long skipped, long gaps, byte[] bytes) {}

  private static Case randomCase(long seed) throws IOException {
    Random r = new Random(seed);
    List<OneOf> base = TestEvents.session(1 + r.nextInt(400), seed);
    List<OneOf> written = new ArrayList<>();
    long next = 0;
    for (OneOf e : base) {
      int roll = r.nextInt(100);
      if (roll < 5 && !written.isEmpty()) {
        written.add(written.get(r.nextInt(written.size()))); // duplicate of an earlier event
      } else if (roll < 8 && next > 2) {
        written.add(TestEvents.withIndex(e, next - 1 - r.nextInt((int) Math.min(next - 1, 5)))); // goes back
      }
      if (roll >= 95) {
        next += 1 + r.nextInt(3); // a gap
      }
      written.add(TestEvents.withIndex(e, next++));
    }
    // Teleport's rule, applied independently of the reader
    List<OneOf> expected = new ArrayList<>();
    long last = -1;
    long skipped = 0;
    long gaps = 0;
    for (OneOf e : written) {
      long idx = index(e);
      if (idx <= last) {
        skipped++;
        continue;
      }
      if (last > 0 && idx != last + 1) {
        gaps++;
      }
      last = idx;
      expected.add(e);
    }
    int partBytes = 200 + r.nextInt(20_000);
    int pad = r.nextBoolean() ? 0 : partBytes + r.nextInt(5000);
    int version = r.nextInt(4) == 0 ? 2 : 1;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ProtoStreamWriter w = new ProtoStreamWriter(out, new ProtoStreamWriter.Options(partBytes, pad, version))) {
      for (OneOf e : written) {
        w.write(e);
        if (r.nextInt(60) == 0) {
          w.flushPart(); // inactivity flush: a short, padded part
        }
      }
    }
    return new Case(written, expected, skipped, gaps, out.toByteArray());
  }

  static long index(OneOf e) {
    return switch (e.getEventCase()) {
      case SESSIONPRINT -> e.getSessionPrint().getMetadata().getIndex();
      case SESSIONSTART -> e.getSessionStart().getMetadata().getIndex();
      case RESIZE -> e.getResize().getMetadata().getIndex();
      case SESSIONEND -> e.getSessionEnd().getMetadata().getIndex();
      case SESSIONCOMMAND -> e.getSessionCommand().getMetadata().getIndex();
      default -> throw new IllegalArgumentException();
    };
  }

  @Test
  void randomSequencesRoundTrip() throws IOException {
    for (long seed = 0; seed < CASES; seed++) {
      Case c = randomCase(seed);
      ProtoStreamReader reader = new ProtoStreamReader(new ByteArrayInputStream(c.bytes()),
          DecodeLimits.defaults().withObjectSize(c.bytes().length));
      List<OneOf> got = new ArrayList<>();
      for (OneOf e; (e = reader.next()) != null; ) {
        got.add(e);
      }
      assertThat(got).as("seed %d", seed).isEqualTo(c.expected());
      assertThat(reader.stats().totalEvents()).as("seed %d", seed).isEqualTo(c.written().size());
      assertThat(reader.stats().skippedEvents()).as("seed %d", seed).isEqualTo(c.skipped());
      assertThat(reader.stats().outOfOrderEvents()).as("seed %d", seed).isEqualTo(c.gaps());
    }
  }

  /** Any damaged object either decodes to the same events or fails with a decode error, never anything else. */
  @Test
  void corruptedStreamsFailCleanly() throws IOException {
    Random r = new Random(42);
    for (long seed = 0; seed < CASES; seed++) {
      Case c = randomCase(1000 + seed);
      byte[] bad = c.bytes().clone();
      String what;
      switch (r.nextInt(3)) {
        case 0 -> {
          int at = r.nextInt(bad.length);
          bad[at] ^= (byte) (1 + r.nextInt(255));
          what = "byte flip at " + at;
        }
        case 1 -> {
          int at = r.nextInt(bad.length);
          bad = Arrays.copyOf(bad, at);
          what = "truncated at " + at;
        }
        default -> {
          int at = r.nextInt(bad.length);
          int len = Math.min(bad.length - at, 1 + r.nextInt(64));
          for (int i = 0; i < len; i++) {
            bad[at + i] = (byte) r.nextInt(256);
          }
          what = len + " random bytes at " + at;
        }
      }
      List<OneOf> got = new ArrayList<>();
      try {
        ProtoStreamReader reader = new ProtoStreamReader(new ByteArrayInputStream(bad));
        for (OneOf e; (e = reader.next()) != null; ) {
          got.add(e);
        }
      } catch (RecordingDecodeException expected) {
        assertThat(expected.getMessage()).as("seed %d, %s", seed, what).isNotBlank();
        continue;
      }
      // decoded to the end: only harmless damage (padding, gzip header fields) or a cut on a part boundary
      assertThat(c.expected()).as("seed %d, %s", seed, what).startsWith(got.toArray(OneOf[]::new));
      if (bad.length == c.bytes().length) {
        assertThat(got).as("seed %d, %s", seed, what).isEqualTo(c.expected());
      }
    }
  }

  /** The writer lives in the simulator, which does not depend on the decoder: both hold Teleport's numbers. */
  @Test
  void writerAndReaderAgreeOnTheLayout() {
    assertThat(ProtoStreamWriter.V1_HEADER_BYTES).isEqualTo(ProtoStreamReader.V1_HEADER_BYTES);
    assertThat(ProtoStreamWriter.V2_HEADER_BYTES).isEqualTo(ProtoStreamReader.V2_HEADER_BYTES);
    assertThat(ProtoStreamWriter.MAX_RECORD_BYTES).isEqualTo(DecodeLimits.MAX_RECORD_BYTES);
  }
}
