package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.sim.ProtoStreamWriter;
import dev.whodrove.testkit.Allocations;
import dev.whodrove.testkit.AsciicastFixtures;
import dev.whodrove.testkit.HostileInputs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The recording decoder under hostile recordings: ProtoStream objects (V1 and V2, one or several padded parts) and
 * real asciicast files with byte edits, ProtoStream parts whose framing and gzip are sound but whose records are
 * edited protobuf or carry hostile lengths, asciicast v3, and random bytes. Whatever the bytes, a
 * decode ends with exactly one RecordingComplete, every event it emitted is a valid RecordingEvent, a failure is a
 * {@link RecordingDecodeException} with a reason and a message (the input stream itself never fails here, so nothing
 * else may escape), and the heap it costs follows the bytes it actually read and inflated, never a length field.
 */
class RecordingParsersFuzzTest {
  private static final String URI = "s3://recordings/fuzz.tar";

  private static final List<byte[]> PROTOSTREAMS = List.of(
      protoStream(TestEvents.session(40, 1), new ProtoStreamWriter.Options(1 << 20, 0, 1)),
      protoStream(TestEvents.session(60, 2), new ProtoStreamWriter.Options(700, 1024, 1)),
      protoStream(TestEvents.session(30, 3), new ProtoStreamWriter.Options(1 << 20, 0, 2)),
      protoStream(List.of(TestEvents.start(0), TestEvents.command(1, "/bin/ls"), TestEvents.resize(2, "80:24"),
          TestEvents.print(3, 0, "\u001b[Ahi\u007f\r\n", 40, 0), TestEvents.end(4)),
          new ProtoStreamWriter.Options(1 << 20, 0, 1)));
  /** Serialized events, the records a part's gzip stream holds. */
  private static final List<byte[]> RECORDS = records();
  private static final List<byte[]> CASTS = casts();

  private static byte[] protoStream(List<OneOf> events, ProtoStreamWriter.Options options) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ProtoStreamWriter w = new ProtoStreamWriter(out, options)) {
      for (OneOf e : events) {
        w.write(e);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static List<byte[]> records() {
    List<byte[]> out = new ArrayList<>();
    TestEvents.session(8, 4).forEach(e -> out.add(e.toByteArray()));
    out.add(TestEvents.command(9, "/usr/bin/curl").toByteArray());
    return out;
  }

  /** The head of every real asciicast fixture (header and 40 events), and one with a version 3 header. */
  private static List<byte[]> casts() {
    List<byte[]> out = new ArrayList<>();
    for (AsciicastFixtures.Fixture f : AsciicastFixtures.ALL) {
      String[] lines = new String(f.bytes(), StandardCharsets.UTF_8).split("\n", 42);
      out.add(String.join("\n", List.of(lines).subList(0, Math.min(41, lines.length))).concat("\n")
          .getBytes(StandardCharsets.UTF_8));
    }
    out.add(("{\"version\": 3, \"term\": {\"cols\": 80, \"rows\": 24}, \"timestamp\": 1782406651}\n"
        + "[0.25, \"o\", \"$ \"]\n[0.5, \"i\", \"ls\\r\"]\n[0.1, \"o\", \"a.txt\\r\\n\"]\n[1.0, \"x\", \"0\"]\n")
        .getBytes(StandardCharsets.UTF_8));
    return out;
  }

  @Provide
  Arbitrary<byte[]> protoStreamMutants() {
    return HostileInputs.mutants(PROTOSTREAMS).map(HostileInputs.Mutant::bytes);
  }

  @Provide
  Arbitrary<byte[]> castMutants() {
    return HostileInputs.mutants(CASTS).map(HostileInputs.Mutant::bytes);
  }

  @Provide
  Arbitrary<byte[]> randomBytes() {
    return Arbitraries.oneOf(HostileInputs.randomBytes(4096),
        // random bytes behind a valid part header or an asciicast header, so they get past the format sniffing
        HostileInputs.randomBytes(2048).map(b -> concat(partHeader(1, b.length, 0), b)),
        HostileInputs.randomBytes(2048).map(b -> concat(CASTS.get(0), b)));
  }

  /** A ProtoStream object of sound parts and gzip holding one to twenty records, edited or with hostile lengths. */
  @Provide
  Arbitrary<byte[]> hostileRecords() {
    Arbitrary<byte[]> record = Arbitraries.oneOf(
        Arbitraries.of(RECORDS).map(RecordingParsersFuzzTest::framed),
        HostileInputs.mutants(RECORDS).map(m -> framed(m.bytes())),
        Combinators.combine(Arbitraries.of(RECORDS), Arbitraries.of(0, -1, 1, 65_537, Integer.MAX_VALUE,
            Integer.MIN_VALUE, 7)).as((r, len) -> concat(bigEndian(len), r)));
    return Combinators.combine(record.list().ofMinSize(1).ofMaxSize(20), Arbitraries.of(1, 2),
        Arbitraries.of(0L, 13L)).as((rs, version, padding) -> {
          ByteArrayOutputStream body = new ByteArrayOutputStream();
          try (GZIPOutputStream gz = new GZIPOutputStream(body)) {
            for (byte[] r : rs) {
              gz.write(r);
            }
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          try {
            ProtoStreamWriter.writePart(out, version, body.toByteArray(), 0, body.size(), padding);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          return out.toByteArray();
        });
  }

  @Property(tries = 300)
  void protoStreamByteEdits(@ForAll("protoStreamMutants") byte[] input) {
    check(input, input.length, PrintPayload.DERIVED);
  }

  @Property(tries = 150)
  void protoStreamByteEditsOfUnknownSize(@ForAll("protoStreamMutants") byte[] input) {
    check(input, -1, PrintPayload.RAW);
  }

  @Property(tries = 300)
  void protoStreamHostileRecords(@ForAll("hostileRecords") byte[] input) {
    check(input, input.length, PrintPayload.RAW);
    Statistics.coverage(c -> c.check("ok").percentage(p -> p >= 5));
  }

  @Property(tries = 300)
  void asciicastByteEdits(@ForAll("castMutants") byte[] input) {
    check(input, input.length, PrintPayload.RAW);
  }

  @Property(tries = 200)
  void randomBytes(@ForAll("randomBytes") byte[] input) {
    check(input, input.length, PrintPayload.DERIVED);
  }

  /** The unedited samples decode cleanly, the asciicast v3 one as v3. */
  @Example
  void samplesDecode() throws IOException {
    for (byte[] p : PROTOSTREAMS) {
      assertThat(decode(p, p.length, PrintPayload.DERIVED, new ArrayList<>()).ok()).isTrue();
    }
    for (byte[] c : CASTS) {
      assertThat(decode(c, c.length, PrintPayload.DERIVED, new ArrayList<>()).ok()).isTrue();
    }
    byte[] v3 = CASTS.get(CASTS.size() - 1);
    assertThat(decode(v3, v3.length, PrintPayload.DERIVED, new ArrayList<>()).complete().getFormat())
        .isEqualTo("asciicast-v3");
  }

  private static void check(byte[] input, long objectSize, PrintPayload payload) {
    List<RecordingEvent> events = new ArrayList<>();
    RecordingDecoder.Result[] result = new RecordingDecoder.Result[1];
    Allocations.Measured m = Allocations.measure(() -> result[0] = decode(input, objectSize, payload, events));
    if (m.thrown() != null) {
      // the bytes are all there: only a decode failure may end the decode, and the decoder reports those itself
      throw new AssertionError("escaped the decoder: " + m.thrown(), m.thrown());
    }
    RecordingDecoder.Result r = result[0];
    assertThat(events).isNotEmpty();
    RecordingEvent last = events.get(events.size() - 1);
    assertThat(last.hasComplete()).isTrue();
    assertThat(last.getComplete()).isEqualTo(r.complete());
    assertThat(events.subList(0, events.size() - 1)).noneMatch(RecordingEvent::hasComplete);
    if (r.ok()) {
      assertThat(r.complete().getParseError()).isEmpty();
      Statistics.collect("ok");
    } else {
      assertThat(r.error().reason()).isNotBlank();
      assertThat(r.error().getMessage()).isNotBlank();
      assertThat(r.complete().getParseError()).isEqualTo(r.error().getMessage());
      Statistics.collect(r.error().reason());
    }
    long inflated = r.complete().getDecompressedBytes();
    assertThat(m.bytes()).as("heap allocated for %d input bytes, %d inflated", input.length, inflated)
        .isLessThan(32L * 1024 * 1024 + 64L * input.length + 64L * inflated);
  }

  /** Decodes into {@code events}, each checked to parse back (the decoder's own writer is fuzzed too). */
  private static RecordingDecoder.Result decode(byte[] input, long objectSize, PrintPayload payload,
      List<RecordingEvent> events) throws IOException {
    RecordingDecoder decoder = new RecordingDecoder(new RecordingDecoder.Settings(DecodeLimits.defaults(), payload,
        false));
    return decoder.decode(new ByteArrayInputStream(input), TestEvents.SID, URI, objectSize, events::add);
  }

  private static byte[] framed(byte[] record) {
    return concat(bigEndian(record.length), record);
  }

  private static byte[] partHeader(int version, long size, long padding) {
    byte[] h = new byte[version == 1 ? ProtoStreamWriter.V1_HEADER_BYTES : ProtoStreamWriter.V2_HEADER_BYTES];
    ProtoStreamWriter.putLong(h, 0, version);
    ProtoStreamWriter.putLong(h, 8, size);
    ProtoStreamWriter.putLong(h, 16, padding);
    return h;
  }

  private static byte[] bigEndian(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
