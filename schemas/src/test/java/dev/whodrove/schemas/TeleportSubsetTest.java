package dev.whodrove.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Timestamp;
import dev.whodrove.schemas.teleport.Metadata;
import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.schemas.teleport.SessionPrint;
import dev.whodrove.schemas.teleport.SessionStart;
import dev.whodrove.schemas.teleport.UserMetadata;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** The hand-written subset must read what newer Teleport versions write: unknown fields are skipped. */
class TeleportSubsetTest {

  /** Appends fields this subset does not declare, as a newer Teleport would write them. */
  private static byte[] withUnknownFields(byte[] known, int... fieldNumbers) throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    buf.write(known);
    CodedOutputStream out = CodedOutputStream.newInstance(buf);
    for (int f : fieldNumbers) {
      out.writeString(f, "future-" + f);
      out.writeInt64(f + 1000, 42);
    }
    out.flush();
    return buf.toByteArray();
  }

  @Test
  void parsesPrintEventWithUnknownFieldsAtEveryLevel() throws Exception {
    Metadata meta = Metadata.newBuilder().setIndex(12).setType("print")
        .setTime(Timestamp.newBuilder().setSeconds(1_764_000_000L).setNanos(5_000_000)).build();
    SessionPrint print = SessionPrint.newBuilder().setMetadata(meta).setChunkIndex(3)
        .setData(ByteString.copyFromUtf8("hello\r\n")).setBytes(7).setDelayMilliseconds(1234).setOffset(99).build();
    // unknown fields inside SessionPrint, then wrap it in OneOf field 7 by hand and add unknown OneOf members
    byte[] printBytes = withUnknownFields(print.toByteArray(), 50, 51);
    ByteArrayOutputStream envelope = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(envelope);
    out.writeByteArray(271, new byte[] {8, 1}); // a OneOf member newer than this subset
    out.writeByteArray(7, printBytes);
    out.flush();

    OneOf parsed = OneOf.parseFrom(envelope.toByteArray());
    assertThat(parsed.getEventCase()).isEqualTo(OneOf.EventCase.SESSIONPRINT);
    SessionPrint p = parsed.getSessionPrint();
    assertThat(p.getMetadata().getIndex()).isEqualTo(12);
    assertThat(p.getData().toStringUtf8()).isEqualTo("hello\r\n");
    assertThat(p.getDelayMilliseconds()).isEqualTo(1234);
    assertThat(p.getOffset()).isEqualTo(99);
    assertThat(p.getUnknownFields().hasField(50)).isTrue();
  }

  @Test
  void parsesSessionStartWithUnknownUserMetadataFieldsAndEmptyEmbeddedMessages() throws Exception {
    byte[] user = withUnknownFields(UserMetadata.newBuilder().setUser("bob").setLogin("root").build().toByteArray(),
        15, 17, 18);
    ByteArrayOutputStream start = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(start);
    out.writeByteArray(1, Metadata.newBuilder().setType("session.start").setCode("T2000I").build().toByteArray());
    out.writeByteArray(2, user);
    out.writeByteArray(3, new byte[0]); // gogo writes empty non-nullable embedded messages
    out.writeString(6, "80:24");
    out.flush();
    OneOf oneOf = OneOf.newBuilder().setSessionStart(SessionStart.parseFrom(start.toByteArray())).build();
    SessionStart s = OneOf.parseFrom(oneOf.toByteArray()).getSessionStart();
    assertThat(s.getUser().getUser()).isEqualTo("bob");
    assertThat(s.getUser().getLogin()).isEqualTo("root");
    assertThat(s.getTerminalSize()).isEqualTo("80:24");
    assertThat(s.hasSession()).isTrue();
    assertThat(s.getSession().getSessionID()).isEmpty();
  }
}
