package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.PrintEvents;
import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.schemas.v1.PrintChunk;
import dev.whodrove.schemas.v1.RecordingEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Print runs must be exactly what the generic converter + protobuf serializer would write. */
class PrintRecordEncoderTest {
  private static final String URI = "s3://recordings/sessions/x.tar";

  /**
   * A record as the decoder sees it: inside a larger buffer, with other bytes after it, so that the word-at-a-time
   * reader runs (it needs 8 readable bytes past the record) and must not take the bytes after the record for its own.
   */
  private static byte[] inBuffer(byte[] rec, int before, java.util.Random r) {
    byte[] b = new byte[before + rec.length + 8 + r.nextInt(16)];
    r.nextBytes(b);
    System.arraycopy(rec, 0, b, before, rec.length);
    return b;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void runsAreByteIdenticalToTheGenericPath(boolean roomAfterRecords) throws Exception {
    java.util.Random r = new java.util.Random(3);
    List<OneOf> events = new ArrayList<>(TestEvents.session(3000, 9));
    events.add(TestEvents.print(1L << 40, 1L << 33, "\u001b[A\u001b[B\u007f\u0008\u0017x\n\u001b[0m\u001b[", 1L << 35,
        -5));
    events.add(TestEvents.print(7, 0, "", 0, 0));
    for (PrintPayload payload : PrintPayload.values()) {
      PrintRecordEncoder fast = new PrintRecordEncoder(TestEvents.SID, URI, payload);
      TeleportEventConverter generic = new TeleportEventConverter(TestEvents.SID, URI, payload);
      List<long[]> rows = new ArrayList<>();
      List<PrintChunk> chunks = new ArrayList<>();
      long firstIndex = 0;
      long firstTime = 0;
      int runs = 0;
      int prints = 0;
      for (OneOf e : events) {
        byte[] rec = e.toByteArray();
        int off = roomAfterRecords ? r.nextInt(5) : 0;
        byte[] buf = roomAfterRecords ? inBuffer(rec, off, r) : rec;
        boolean parsed = PrintRecordEncoder.isPrint(buf, off, rec.length) && fast.parse(buf, off, rec.length);
        if (e.getEventCase() != OneOf.EventCase.SESSIONPRINT) {
          assertThat(parsed).isFalse();
          continue;
        }
        assertThat(parsed).as("parsed %s", e).isTrue();
        RecordingEvent single = generic.convert(e);
        if (chunks.isEmpty()) {
          firstIndex = single.getIndex();
          firstTime = single.getTimeMs();
        }
        rows.add(new long[] {single.getIndex(), single.getTimeMs()});
        chunks.add(single.getPrint());
        fast.append();
        prints++;
        if (fast.full() || prints == 2 || e == events.get(events.size() - 1)) {
          RecordingEvent want = RecordingEvent.newBuilder().setSessionId(TestEvents.SID).setIndex(firstIndex)
              .setTimeMs(firstTime).setType("print").setRecordingUri(URI)
              .setPrints(PrintEvents.run(rows, chunks, payload == PrintPayload.RAW)).build();
          int n = fast.flush();
          byte[] got = Arrays.copyOf(fast.output(), n);
          assertThat(RecordingEvent.parseFrom(got)).isEqualTo(want);
          assertThat(got).isEqualTo(want.toByteArray());
          assertThat(fast.isEmpty()).isTrue();
          List<PrintChunk> back = new ArrayList<>();
          PrintEvents.forEach(want, (index, timeMs, chunk) -> back.add(chunk));
          assertThat(back).isEqualTo(chunks); // and the run reads back as the prints it was made of
          rows.clear();
          chunks.clear();
          runs++;
        }
      }
      assertThat(prints).isGreaterThan(3000);
      assertThat(runs).isGreaterThan(3); // a run of one, full runs, and the short last one
    }
  }

  @Test
  void teleportsLayoutIsReadWithoutTheFieldLoop() {
    java.util.Random r = new java.util.Random(4);
    PrintRecordEncoder fast = new PrintRecordEncoder("s", "u", PrintPayload.DERIVED);
    for (OneOf e : TestEvents.session(2000, 4)) {
      if (e.getEventCase() == OneOf.EventCase.SESSIONPRINT) {
        byte[] rec = e.toByteArray();
        assertThat(fast.parseCanonical(inBuffer(rec, 0, r), 0, rec.length)).as("%s", e).isTrue();
      }
    }
  }

  /**
   * Damaged and unusual records (bytes flipped, inserted, dropped, cut short): with room after the record the
   * word-at-a-time reader goes first, without it only the field loop runs. Both must accept the same records and
   * read the same numbers from them.
   */
  @Test
  void bothReadersAgreeOnDamagedRecords() {
    java.util.Random r = new java.util.Random(6);
    List<OneOf> prints = new ArrayList<>();
    for (OneOf e : TestEvents.session(300, 6)) {
      if (e.getEventCase() == OneOf.EventCase.SESSIONPRINT) {
        prints.add(e);
      }
    }
    prints.add(TestEvents.print(1L << 40, 1L << 33, "\u001b[A\u007f", 1L << 35, -5));
    prints.add(TestEvents.print(0, 0, "", 0, 0));
    int acceptedBoth = 0;
    for (int round = 0; round < 30_000; round++) {
      byte[] rec = prints.get(r.nextInt(prints.size())).toByteArray();
      int edits = 1 + r.nextInt(3);
      for (int k = 0; k < edits && rec.length > 1; k++) {
        int at = 1 + r.nextInt(rec.length - 1); // keep the OneOf tag: other members never reach these readers
        switch (r.nextInt(4)) {
          case 0 -> rec[at] = (byte) r.nextInt(256);
          case 1 -> rec[at] ^= (byte) (1 << r.nextInt(8));
          case 2 -> rec = concat(Arrays.copyOf(rec, at), new byte[] {(byte) r.nextInt(256)},
              Arrays.copyOfRange(rec, at, rec.length));
          default -> rec = r.nextBoolean() ? Arrays.copyOf(rec, at)
              : concat(Arrays.copyOf(rec, at), Arrays.copyOfRange(rec, at + 1, rec.length));
        }
      }
      PrintRecordEncoder withRoom = new PrintRecordEncoder("s", "u", PrintPayload.RAW);
      PrintRecordEncoder exact = new PrintRecordEncoder("s", "u", PrintPayload.RAW);
      boolean a = withRoom.parse(inBuffer(rec, 3, r), 3, rec.length);
      boolean b = exact.parse(rec, 0, rec.length);
      assertThat(a).as("record %s", Arrays.toString(rec)).isEqualTo(b);
      if (a) {
        withRoom.append();
        exact.append();
        assertThat(Arrays.copyOf(withRoom.output(), withRoom.flush()))
            .as("record %s", Arrays.toString(rec)).isEqualTo(Arrays.copyOf(exact.output(), exact.flush()));
        acceptedBoth++;
      }
    }
    assertThat(acceptedBoth).isGreaterThan(1000); // many damaged records still parse: the comparison means something
  }

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void aRunIsFullAtItsChunkLimit() {
    PrintRecordEncoder fast = new PrintRecordEncoder("s", "u", PrintPayload.DERIVED);
    byte[] rec = TestEvents.print(1, 0, "x", 0, 0).toByteArray();
    for (int i = 0; i < PrintRecordEncoder.MAX_RUN_CHUNKS; i++) {
      assertThat(fast.full()).isFalse();
      assertThat(fast.parse(rec, 0, rec.length)).isTrue();
      fast.append();
    }
    assertThat(fast.full()).isTrue();
    assertThat(fast.size()).isEqualTo(PrintRecordEncoder.MAX_RUN_CHUNKS);
  }

  @Test
  void editCharactersNewlinesAndEscapesAreCounted() throws Exception {
    // 0x7F, 0x08, 0x17, ESC[A, ESC[D, ESC[H = 6 edits; ESC[0m is an escape but not an edit; 2 newlines
    String data = "ab\u007f\u0008\u0017\u001b[A\u001b[D\u001b[H\u001b[0m\r\nlong line without controls......\n";
    RecordingEvent e = new TeleportEventConverter("s", "u", PrintPayload.DERIVED)
        .convert(TestEvents.print(3, 2, data, 100, 50));
    assertThat(e.getPrint().getEditChars()).isEqualTo(6);
    assertThat(e.getPrint().getNewlines()).isEqualTo(2);
    assertThat(e.getPrint().getEscapeSequences()).isEqualTo(4);
    assertThat(e.getPrint().getBytes()).isEqualTo(data.length());
    assertThat(e.getPrint().getRaw().isEmpty()).isTrue();
    assertThat(e.getPrint().getDelayMs()).isEqualTo(100);
    assertThat(e.getPrint().getChunkIndex()).isEqualTo(2);
    assertThat(e.getPrint().getOffset()).isEqualTo(50);
    byte[] rec = TestEvents.print(3, 2, data, 100, 50).toByteArray();
    PrintRecordEncoder fast = new PrintRecordEncoder("s", "u", PrintPayload.DERIVED);
    assertThat(fast.parse(rec, 0, rec.length)).isTrue();
    fast.append();
    int n = fast.flush();
    RecordingEvent run = RecordingEvent.parseFrom(Arrays.copyOf(fast.output(), n));
    List<PrintChunk> chunks = new ArrayList<>();
    PrintEvents.forEach(run, (index, timeMs, chunk) -> chunks.add(chunk));
    assertThat(chunks).containsExactly(e.getPrint());
    assertThat(run.getPrints().getIndexesList()).containsExactly(e.getIndex());
  }

  @Test
  void countsAgreeWithAByteByByteScanOnRandomBytes() {
    java.util.Random r = new java.util.Random(5);
    for (int round = 0; round < 2000; round++) {
      byte[] b = new byte[r.nextInt(100)];
      for (int i = 0; i < b.length; i++) {
        int pick = r.nextInt(10);
        b[i] = (byte) (pick < 5 ? "\n\u001b[\u007f\u0008\u0017ABCDHF".charAt(r.nextInt(12)) : r.nextInt(256));
      }
      int off = b.length == 0 ? 0 : r.nextInt(b.length);
      int len = r.nextBoolean() ? b.length - off : r.nextInt(b.length - off + 1); // to the end, or inside the array
      long c = TerminalBytes.count(b, off, len);
      int edits = 0;
      int nl = 0;
      int esc = 0;
      for (int i = off; i < off + len; i++) {
        if (b[i] == 0x0A) {
          nl++;
        } else if (b[i] == 0x1B) {
          esc++;
          if (i + 2 < off + len && b[i + 1] == '[' && "ABCDHF".indexOf(b[i + 2]) >= 0) {
            edits++;
          }
        } else if (b[i] == 0x7F || b[i] == 0x08 || b[i] == 0x17) {
          edits++;
        }
      }
      assertThat(TerminalBytes.editChars(c)).isEqualTo(edits);
      assertThat(TerminalBytes.newlines(c)).isEqualTo(nl);
      assertThat(TerminalBytes.escapes(c)).isEqualTo(esc);
    }
  }

  @Test
  void theCountsVisitorSeesTheNumbersTheChunkVisitorDoes() {
    java.util.Random r = new java.util.Random(9);
    dev.whodrove.schemas.v1.PrintRun.Builder full = dev.whodrove.schemas.v1.PrintRun.newBuilder();
    for (int i = 0; i < 300; i++) {
      full.addIndexes(1 + r.nextInt(3)).addTimesMs(r.nextInt(500)).addBytes(r.nextInt(2000))
          .addDelaysMs(r.nextInt(500)).addChunkIndexes(1).addOffsets(r.nextInt(2000)).addEditChars(r.nextInt(4))
          .addNewlines(r.nextInt(3)).addEscapeSequences(r.nextInt(3));
    }
    // a writer that left lists out (they read as zeros) and a single print
    dev.whodrove.schemas.v1.PrintRun.Builder partial = full.clone().clearTimesMs().clearEditChars();
    RecordingEvent single = new TeleportEventConverter("s", "u", PrintPayload.DERIVED)
        .convert(TestEvents.print(3, 2, "ab\u007f", 100, 50));
    for (RecordingEvent e : List.of(RecordingEvent.newBuilder().setPrints(full).build(),
        RecordingEvent.newBuilder().setPrints(partial).build(), single)) {
      List<List<Long>> want = new ArrayList<>();
      PrintEvents.forEach(e, (index, timeMs, c) -> want.add(List.of(index, timeMs, c.getBytes(), c.getDelayMs(),
          (long) c.getEditChars())));
      List<List<Long>> got = new ArrayList<>();
      PrintEvents.forEachCounts(e, (index, timeMs, bytes, delayMs, editChars) -> got.add(List.of(index, timeMs,
          bytes, delayMs, (long) editChars)));
      assertThat(got).isNotEmpty().isEqualTo(want);
    }
  }
}
