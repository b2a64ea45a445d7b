package dev.whodrove.decoder;

import static dev.whodrove.decoder.TestEvents.gzip;
import static dev.whodrove.decoder.TestEvents.print;
import static dev.whodrove.decoder.TestEvents.readAll;
import static dev.whodrove.decoder.TestEvents.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.sim.ProtoStreamWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProtoStreamReaderTest {
  private static final DecodeLimits UNKNOWN_SIZE = DecodeLimits.defaults();

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] part(int version, byte[] body, long padding) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ProtoStreamWriter.writePart(out, version, body, 0, body.length, padding);
    return out.toByteArray();
  }

  private static byte[] records(OneOf... events) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (OneOf e : events) {
      out.writeBytes(record(e));
    }
    return out.toByteArray();
  }

  private static RecordingDecodeException decodeError(byte[] recording, DecodeLimits limits) {
    try {
      readAll(recording, limits);
    } catch (RecordingDecodeException e) {
      return e;
    } catch (IOException e) {
      throw new AssertionError("expected a decode error, got " + e, e);
    }
    throw new AssertionError("expected a decode error, the recording decoded");
  }

  @Test
  void readsMultiPartPaddedRecordingInOrder() throws IOException {
    List<OneOf> events = TestEvents.session(6000, 1);
    byte[] rec = TestEvents.write(events, new ProtoStreamWriter.Options(2048, 3000, 1));
    ProtoStreamReader r = new ProtoStreamReader(new ByteArrayInputStream(rec), UNKNOWN_SIZE.withObjectSize(rec.length));
    List<OneOf> got = new ArrayList<>();
    for (OneOf e; (e = r.next()) != null; ) {
      got.add(e);
    }
    assertThat(got).isEqualTo(events);
    assertThat(r.stats().parts()).isGreaterThan(5);
    assertThat(r.stats().totalEvents()).isEqualTo(events.size());
    assertThat(r.stats().skippedEvents()).isZero();
    assertThat(r.stats().bytesRead()).isEqualTo(rec.length);
    assertThat(r.format()).isEqualTo(RecordingFormat.PROTOSTREAM_V1);
  }

  @Test
  void readsV2PartsWithoutEncryptionAsPlainGzip() throws IOException {
    List<OneOf> events = TestEvents.session(200, 2);
    byte[] rec = TestEvents.write(events, new ProtoStreamWriter.Options(2048, 0, 2));
    ProtoStreamReader r = new ProtoStreamReader(new ByteArrayInputStream(rec));
    List<OneOf> got = new ArrayList<>();
    for (OneOf e; (e = r.next()) != null; ) {
      got.add(e);
    }
    assertThat(got).isEqualTo(events);
    assertThat(r.format()).isEqualTo(RecordingFormat.PROTOSTREAM_V2);
  }

  @Test
  void skipsEmptyPartsAndDanglingBytesInsideTheBody() throws IOException {
    byte[] member = gzip(records(TestEvents.start(0), print(1, 0, "hi", 5, 0)));
    byte[] bodyWithInnerPadding = concat(member, new byte[100]); // old Teleport padded inside PartSize
    byte[] rec = concat(part(1, new byte[0], 50), part(1, bodyWithInnerPadding, 7), part(1, gzip(records(
        TestEvents.end(2))), 0));
    ProtoStreamReader r = new ProtoStreamReader(new ByteArrayInputStream(rec), UNKNOWN_SIZE.withObjectSize(rec.length));
    List<OneOf> got = new ArrayList<>();
    for (OneOf e; (e = r.next()) != null; ) {
      got.add(e);
    }
    assertThat(got).extracting(OneOf::getEventCase).containsExactly(OneOf.EventCase.SESSIONSTART,
        OneOf.EventCase.SESSIONPRINT, OneOf.EventCase.SESSIONEND);
    assertThat(r.stats().parts()).isEqualTo(3);
    assertThat(r.stats().danglingBytes()).isEqualTo(100);
  }

  @Test
  void dropsRepeatedAndBackwardIndexesLikeTeleport() throws IOException {
    // indexes 0 1 2 2 1 3 5 6 → kept 0 1 2 3 5 6; skipped 2 (the repeat and the backward one); one gap (3→5)
    long[] idx = {0, 1, 2, 2, 1, 3, 5, 6};
    List<OneOf> events = new ArrayList<>();
    for (long i : idx) {
      events.add(print(i, i, "x", i * 10, i));
    }
    byte[] rec = TestEvents.write(events, ProtoStreamWriter.Options.defaults());
    ProtoStreamReader r = new ProtoStreamReader(new ByteArrayInputStream(rec));
    List<Long> kept = new ArrayList<>();
    for (OneOf e; (e = r.next()) != null; ) {
      kept.add(e.getSessionPrint().getMetadata().getIndex());
    }
    assertThat(kept).containsExactly(0L, 1L, 2L, 3L, 5L, 6L);
    assertThat(r.stats().totalEvents()).isEqualTo(8);
    assertThat(r.stats().skippedEvents()).isEqualTo(2);
    assertThat(r.stats().outOfOrderEvents()).isEqualTo(1);
  }

  @Test
  void gapRightAfterIndexZeroIsNotCountedAsTeleportDoes() throws IOException {
    byte[] rec = TestEvents.write(List.of(print(0, 0, "a", 0, 0), print(5, 1, "b", 1, 1)),
        ProtoStreamWriter.Options.defaults());
    ProtoStreamReader r = new ProtoStreamReader(new ByteArrayInputStream(rec));
    while (r.next() != null) {
      // drain
    }
    assertThat(r.stats().outOfOrderEvents()).isZero();
  }

  @Test
  void emptyStreamIsAnEmptyRecording() throws IOException {
    assertThat(readAll(new byte[0], UNKNOWN_SIZE)).isEmpty();
  }

  // ---- every corruption class, each with its exact error ----

  @Test
  void recordSizeZero() throws IOException {
    byte[] rec = part(1, gzip(concat(record(print(0, 0, "a", 0, 0)), new byte[4])), 0);
    RecordingDecodeException e = decodeError(rec, UNKNOWN_SIZE);
    assertThat(e.reason()).isEqualTo("record-size");
    int firstRecord = record(print(0, 0, "a", 0, 0)).length;
    assertThat(e).hasMessage("record size 0 at decompressed offset " + firstRecord
        + " of part 1 (part at byte offset 0); expected 1..65536");
  }

  @Test
  void recordSizeAboveLimit() throws IOException {
    byte[] rec = concat(part(1, gzip(records(print(0, 0, "a", 0, 0))), 0),
        part(1, gzip(new byte[] {0, 1, 0, 1, 9, 9}), 0));
    int secondPartAt = part(1, gzip(records(print(0, 0, "a", 0, 0))), 0).length;
    RecordingDecodeException e = decodeError(rec, UNKNOWN_SIZE);
    assertThat(e).hasMessage("record size 65537 at decompressed offset 0 of part 2 (part at byte offset "
        + secondPartAt + "); expected 1..65536");
    assertThat(e.byteOffset()).isEqualTo(secondPartAt);
  }

  @Test
  void gzipEndsInsideARecord() throws IOException {
    byte[] full = record(print(0, 0, "hello", 0, 0));
    byte[] cut = java.util.Arrays.copyOf(full, full.length - 3);
    RecordingDecodeException e = decodeError(part(1, gzip(cut), 0), UNKNOWN_SIZE);
    assertThat(e).hasMessage("gzip stream of part 1 (part at byte offset 0) ends inside the record at decompressed "
        + "offset 0 (" + (full.length - 7) + " of " + (full.length - 4) + " bytes)");
  }

  @Test
  void gzipEndsInsideALengthPrefix() throws IOException {
    RecordingDecodeException e = decodeError(part(1, gzip(new byte[] {0, 0}), 0), UNKNOWN_SIZE);
    assertThat(e).hasMessage("gzip stream of part 1 (part at byte offset 0) ends inside a record length prefix "
        + "(2 of 4 bytes)");
  }

  @Test
  void encryptedV2Part() throws IOException {
    byte[] p = part(2, gzip(records(print(0, 0, "a", 0, 0))), 0);
    p[24] = 1; // ProtoStreamFlagEncrypted
    RecordingDecodeException e = decodeError(p, UNKNOWN_SIZE);
    assertThat(e.reason()).isEqualTo("encrypted-part");
    assertThat(e).hasMessage("encrypted part at byte offset 0 (part 1, ProtoStream V2 with recording encryption): "
        + "needs the cluster's decryption key");
  }

  @Test
  void unknownPartVersion() throws IOException {
    byte[] good = part(1, gzip(records(print(0, 0, "a", 0, 0))), 0);
    byte[] bad = good.clone();
    bad[7] = 3;
    RecordingDecodeException e = decodeError(concat(good, bad), UNKNOWN_SIZE);
    assertThat(e).hasMessage("unsupported ProtoStream part version 3 at byte offset " + good.length + " (part 2)");
  }

  @Test
  void truncatedPartHeader() throws IOException {
    byte[] good = part(1, gzip(records(print(0, 0, "a", 0, 0))), 0);
    RecordingDecodeException e = decodeError(concat(good, java.util.Arrays.copyOf(good, 12)), UNKNOWN_SIZE);
    assertThat(e.reason()).isEqualTo("truncated");
    assertThat(e).hasMessage("truncated part header at byte offset " + good.length + " (12 of 24 bytes)");
  }

  @Test
  void partSizeBeyondObjectLength() throws IOException {
    byte[] p = part(1, gzip(records(print(0, 0, "a", 0, 0))), 0);
    ProtoStreamWriter.putLong(p, 8, 1_000_000);
    RecordingDecodeException e = decodeError(p, UNKNOWN_SIZE.withObjectSize(p.length));
    assertThat(e).hasMessage("part size 1000000 of the part at byte offset 0 runs beyond the object length "
        + p.length);
  }

  @Test
  void paddingBeyondObjectLength() throws IOException {
    byte[] p = part(1, gzip(records(print(0, 0, "a", 0, 0))), 0);
    ProtoStreamWriter.putLong(p, 16, 5 * 1024 * 1024);
    RecordingDecodeException e = decodeError(p, UNKNOWN_SIZE.withObjectSize(p.length));
    assertThat(e).hasMessage("padding size 5242880 of the part at byte offset 0 runs beyond the object length "
        + p.length);
  }

  @Test
  void partSizeOutOfRange() throws IOException {
    byte[] p = part(1, gzip(records(print(0, 0, "a", 0, 0))), 0);
    ProtoStreamWriter.putLong(p, 8, -1);
    RecordingDecodeException e = decodeError(p, UNKNOWN_SIZE);
    assertThat(e).hasMessage("part size 18446744073709551615 of the part at byte offset 0 is out of range");
  }

  @Test
  void tooManyParts() throws IOException {
    byte[] p = part(1, gzip(records(print(0, 0, "a", 0, 0))), 0);
    byte[] empty = part(1, new byte[0], 0);
    RecordingDecodeException e = decodeError(concat(p, empty, empty), new DecodeLimits(1 << 20, 2, -1));
    assertThat(e.reason()).isEqualTo("too-many-parts");
    assertThat(e).hasMessage("more than 2 parts: part 3 starts at byte offset " + (p.length + empty.length));
  }

  @Test
  void decompressedSizeCapStopsZipBombs() throws IOException {
    List<OneOf> events = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      events.add(print(i, i, "A".repeat(60_000), i, (long) i * 60_000));
    }
    byte[] rec = TestEvents.write(events, ProtoStreamWriter.Options.defaults());
    assertThat(rec.length).isLessThan(200_000);
    RecordingDecodeException e = decodeError(rec, new DecodeLimits(1_000_000, 10, -1));
    assertThat(e.reason()).isEqualTo("decompressed-cap");
    assertThat(e.getMessage()).startsWith("decompressed size exceeds the cap of 1000000 bytes in part 1 near byte "
        + "offset ");
  }

  @Test
  void corruptGzipChecksum() throws IOException {
    byte[] p = part(1, gzip(records(print(0, 0, "a", 0, 0))), 0);
    p[p.length - 8] ^= 0x55; // first CRC byte of the trailer
    RecordingDecodeException e = decodeError(p, UNKNOWN_SIZE);
    assertThat(e).hasMessage("gzip CRC mismatch in part 1 (trailer at byte offset " + (p.length - 8) + ")");
  }

  @Test
  void corruptDeflateData() throws IOException {
    byte[] p = part(1, gzip(records(print(0, 0, "a", 0, 0))), 0);
    p[24 + 10] = (byte) 0xFF; // first deflate block header: reserved block type
    RecordingDecodeException e = decodeError(p, UNKNOWN_SIZE);
    assertThat(e.reason()).isEqualTo("gzip");
    assertThat(e.getMessage()).startsWith("corrupt gzip data in part 1 (part at byte offset 0) near byte offset ");
  }

  @Test
  void bodyIsNotGzip() throws IOException {
    RecordingDecodeException e = decodeError(part(1, new byte[] {1, 2, 3, 4}, 0), UNKNOWN_SIZE);
    assertThat(e).hasMessage("body of part 1 at byte offset 24 is not gzip (starts 01 02)");
  }

  @Test
  void partBodyShorterThanItsGzipMember() throws IOException {
    byte[] member = gzip(records(print(0, 0, "hello world", 0, 0)));
    byte[] rec = concat(part(1, member, 0));
    ProtoStreamWriter.putLong(rec, 8, member.length - 10);
    byte[] tail = java.util.Arrays.copyOf(rec, rec.length - 10);
    RecordingDecodeException e = decodeError(tail, UNKNOWN_SIZE);
    assertThat(e.reason()).isEqualTo("gzip-truncated");
    assertThat(e).hasMessage("gzip stream of part 1 is cut off: the part body ends at byte offset "
        + tail.length + " before the gzip member does");
  }

  @Test
  void objectEndsInsidePartBody() throws IOException {
    byte[] p = part(1, gzip(records(TestEvents.session(50, 3).toArray(OneOf[]::new))), 0);
    byte[] cut = java.util.Arrays.copyOf(p, p.length - 20);
    RecordingDecodeException e = decodeError(cut, UNKNOWN_SIZE);
    assertThat(e.reason()).isEqualTo("truncated");
    assertThat(e.getMessage()).matches("object ends at byte offset " + cut.length
        + " inside the (body|gzip trailer) of part 1.*");
  }

  @Test
  void objectEndsInsidePadding() throws IOException {
    byte[] p = part(1, gzip(records(print(0, 0, "a", 0, 0))), 100);
    byte[] cut = java.util.Arrays.copyOf(p, p.length - 40);
    RecordingDecodeException e = decodeError(cut, UNKNOWN_SIZE);
    assertThat(e).hasMessage("object ends at byte offset " + cut.length + " inside the padding of part 1 (started "
        + "at byte offset " + (p.length - 100) + ", 40 bytes missing)");
  }

  @Test
  void streamCutShortOfTheKnownSizeIsAStreamFailureNotCorruption() throws IOException {
    byte[] p = part(1, gzip(records(TestEvents.session(50, 3).toArray(OneOf[]::new))), 0);
    byte[] cut = java.util.Arrays.copyOf(p, p.length / 2);
    assertThatThrownBy(() -> readAll(cut, UNKNOWN_SIZE.withObjectSize(p.length)))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(RecordingDecodeException.class)
        .hasMessageStartingWith("stream ended at byte offset " + cut.length + ", before the object size " + p.length);
  }

  @Test
  void recordThatIsNotProtobuf() throws IOException {
    byte[] garbage = {0, 0, 0, 3, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
    RecordingDecodeException e = decodeError(part(1, gzip(garbage), 0), UNKNOWN_SIZE);
    assertThat(e.reason()).isEqualTo("protobuf");
    assertThat(e.getMessage()).startsWith("record at decompressed offset 0 of part 1 (part at byte offset 0) is not "
        + "a valid events.OneOf: ");
  }

  @Test
  void eventTypesOutsideTheSchemaSubsetStillCountForOrdering() throws IOException {
    // OneOf field 2 (UserCreate, not in the subset) with Metadata.Index = 7
    byte[] unknown = {0x12, 0x04, 0x0A, 0x02, 0x08, 0x07};
    byte[] plain = concat(record(print(0, 0, "a", 0, 0)), new byte[] {0, 0, 0, 6}, unknown,
        record(print(5, 1, "b", 1, 1)), record(print(8, 2, "c", 2, 2)));
    ProtoStreamReader r = new ProtoStreamReader(new ByteArrayInputStream(part(1, gzip(plain), 0)));
    List<OneOf> got = new ArrayList<>();
    for (OneOf e; (e = r.next()) != null; ) {
      got.add(e);
    }
    assertThat(got).hasSize(3); // unknown (7) kept as EVENT_NOT_SET, index 5 dropped as backward, 8 kept
    assertThat(got.get(1).getEventCase()).isEqualTo(OneOf.EventCase.EVENT_NOT_SET);
    assertThat(r.stats().skippedEvents()).isEqualTo(1);
  }
}
