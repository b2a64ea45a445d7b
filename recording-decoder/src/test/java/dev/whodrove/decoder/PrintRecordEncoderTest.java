package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.schemas.v1.RecordingEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The print fast path must write exactly what the generic converter + protobuf serializer would. */
class PrintRecordEncoderTest {
  private static final String URI = "s3://recordings/sessions/x.tar";

  @Test
  void fastPathIsByteIdenticalToTheGenericPath() throws Exception {
    List<OneOf> events = new ArrayList<>(TestEvents.session(3000, 9));
    events.add(TestEvents.print(1L << 40, 1L << 33, "\u001b[A\u001b[B\u007f\u0008\u0017x\n\u001b[0m\u001b[", 1L << 35,
        -5));
    events.add(TestEvents.print(7, 0, "", 0, 0));
    for (PrintPayload payload : PrintPayload.values()) {
      PrintRecordEncoder fast = new PrintRecordEncoder(TestEvents.SID, URI, payload);
      TeleportEventConverter generic = new TeleportEventConverter(TestEvents.SID, URI, payload);
      int prints = 0;
      for (OneOf e : events) {
        byte[] rec = e.toByteArray();
        int n = PrintRecordEncoder.isPrint(rec, 0, rec.length) ? fast.encode(rec, 0, rec.length) : -1;
        if (e.getEventCase() != OneOf.EventCase.SESSIONPRINT) {
          assertThat(n).isEqualTo(-1);
          continue;
        }
        prints++;
        RecordingEvent expected = generic.convert(e);
        assertThat(n).as("encoded %s", e).isPositive();
        byte[] got = Arrays.copyOf(fast.output(), n);
        assertThat(RecordingEvent.parseFrom(got)).isEqualTo(expected);
        assertThat(got).isEqualTo(expected.toByteArray());
      }
      assertThat(prints).isGreaterThan(3000);
    }
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
    int n = fast.encode(rec, 0, rec.length);
    assertThat(RecordingEvent.parseFrom(Arrays.copyOf(fast.output(), n))).isEqualTo(e);
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
      int len = b.length - off;
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
}
