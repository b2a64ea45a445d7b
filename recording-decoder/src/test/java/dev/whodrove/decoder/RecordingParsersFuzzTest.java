package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.sim.ProtoStreamWriter;
import dev.whodrove.testkit.Allocations;
import dev.whodrove.testkit.AsciicastFixtures;
import dev.whodrove.testkit.Fuzz;
import dev.whodrove.testkit.Gen;
import dev.whodrove.testkit.HostileInputs;
import dev.whodrove.testkit.Tally;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInfo;

/**
 * The recording decoder under hostile recordings: ProtoStream objects (V1 and V2, one or several padded parts) and
 * real asciicast files with byte edits, ProtoStream parts whose framing and gzip are sound but whose records are
 * edited protobuf or carry hostile lengths, asciicast v3, and random bytes. Whatever the bytes, a decode ends with
 * exactly one RecordingComplete, every event it emitted is a valid RecordingEvent, a failure is a
 * {@link RecordingDecodeException} with a reason and a message (the input stream itself never fails here, so nothing
 * else may escape), and the heap it costs follows the bytes it actually read and inflated, never a length field.
 * Each property also checks that its inputs reached the cases it is about. Seeds, tries and reproducing a failure:
 * {@link Fuzz}.
 */
class RecordingParsersFuzzTest {
  private static final String URI = "s3://recordings/fuzz.tar";

  static final List<byte[]> PROTOSTREAMS = List.of(
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

  /** The head of every real asciicast fixture (header and 40 events), and one in version 3. */
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

  private static final Gen<HostileInputs.Mutant> PROTOSTREAM_MUTANTS = HostileInputs.mutants(PROTOSTREAMS);
  private static final Gen<HostileInputs.Mutant> CAST_MUTANTS = HostileInputs.mutants(CASTS);
  private static final Gen<byte[]> RANDOM_BYTES = Gen.oneOf(HostileInputs.randomBytes(4096),
      // random bytes behind a valid part header or an asciicast header, so they get past the format sniffing
      HostileInputs.randomBytes(2048).map(b -> concat(partHeader(1, b.length, 0), b)),
      HostileInputs.randomBytes(2048).map(b -> concat(CASTS.get(0), b)));
  static final Gen<byte[]> HOSTILE_RECORDS = hostileRecords();

  /** A ProtoStream object of sound parts and gzip holding one to twenty records, edited or with hostile lengths. */
  private static Gen<byte[]> hostileRecords() {
    Gen<byte[]> sound = Gen.of(RECORDS);
    Gen<Integer> hostileLength = Gen.of(0, -1, 1, 65_537, Integer.MAX_VALUE, Integer.MIN_VALUE, 7);
    Gen<byte[]> record = Gen.oneOf(
        sound.map(RecordingParsersFuzzTest::framed),
        HostileInputs.mutants(RECORDS).map(m -> framed(m.bytes())),
        r -> concat(bigEndian(hostileLength.next(r)), sound.next(r)));
    // few records as often as many: a part whose records are all sound must come up too
    Gen<List<byte[]>> records = record.list(Gen.skewed(1, 20));
    Gen<Integer> version = Gen.of(1, 2);
    Gen<Long> padding = Gen.of(0L, 13L);
    return r -> {
      List<byte[]> rs = records.next(r);
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(body)) {
        for (byte[] b : rs) {
          gz.write(b);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        ProtoStreamWriter.writePart(out, version.next(r), body.toByteArray(), 0, body.size(), padding.next(r));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    };
  }

  @TestFactory
  Stream<DynamicTest> protoStreamByteEdits(TestInfo test) {
    return Fuzz.forAll(test, 300, PROTOSTREAM_MUTANTS,
        (m, tally) -> check(m.bytes(), m.bytes().length, PrintPayload.DERIVED, tally),
        tally -> tally.kinds("failed:", 5));
  }

  @TestFactory
  Stream<DynamicTest> protoStreamByteEditsOfUnknownSize(TestInfo test) {
    return Fuzz.forAll(test, 150, PROTOSTREAM_MUTANTS, (m, tally) -> check(m.bytes(), -1, PrintPayload.RAW, tally),
        tally -> tally.kinds("failed:", 4));
  }

  @TestFactory
  Stream<DynamicTest> protoStreamHostileRecords(TestInfo test) {
    return Fuzz.forAll(test, 300, HOSTILE_RECORDS, (b, tally) -> check(b, b.length, PrintPayload.RAW, tally),
        tally -> {
          tally.atLeast("ok", 0.05);
          tally.atLeast("failed:protobuf", 0.10);
          tally.atLeast("failed:record-size", 0.10);
        });
  }

  @TestFactory
  Stream<DynamicTest> asciicastByteEdits(TestInfo test) {
    return Fuzz.forAll(test, 300, CAST_MUTANTS,
        (m, tally) -> check(m.bytes(), m.bytes().length, PrintPayload.RAW, tally), tally -> {
          tally.atLeast("ok", 0.03);
          tally.atLeast("failed:asciicast", 0.20);
        });
  }

  @TestFactory
  Stream<DynamicTest> randomBytes(TestInfo test) {
    return Fuzz.forAll(test, 200, RANDOM_BYTES, (b, tally) -> {
      tally.add(HostileInputs.sizeClass(b));
      check(b, b.length, PrintPayload.DERIVED, tally);
    }, tally -> {
      tally.atLeast("size:>=1KiB", 0.03);
      tally.kinds("failed:", 3);
    });
  }

  /** The samples decode cleanly, the asciicast v3 one included. */
  @Test
  void samplesDecode() throws IOException {
    for (byte[] p : PROTOSTREAMS) {
      assertThat(decode(p, p.length, PrintPayload.DERIVED, new ArrayList<>()).ok()).isTrue();
    }
    for (byte[] c : CASTS) {
      RecordingDecoder.Result r = decode(c, c.length, PrintPayload.DERIVED, new ArrayList<>());
      assertThat(r.ok()).as(r.complete().getParseError()).isTrue();
    }
  }

  private static void check(byte[] input, long objectSize, PrintPayload payload, Tally tally) {
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
      tally.add("ok");
    } else {
      assertThat(r.error().reason()).isNotBlank();
      assertThat(r.error().getMessage()).isNotBlank();
      assertThat(r.complete().getParseError()).isEqualTo(r.error().getMessage());
      tally.add("failed:" + r.error().reason());
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
