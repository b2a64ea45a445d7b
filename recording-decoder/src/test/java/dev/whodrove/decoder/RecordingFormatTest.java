package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.RecordingEvent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordingFormatTest {
  private static RecordingDecoder.Result decode(byte[] object, List<RecordingEvent> sink) throws IOException {
    return new RecordingDecoder(RecordingDecoder.Settings.defaults())
        .decode(new ByteArrayInputStream(object), "sid", "file:///r/sid.tar", object.length, sink::add);
  }

  @Test
  void legacyTarIsRejectedByName() throws IOException {
    byte[] tar = new byte[1024];
    byte[] name = "sid.index".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(name, 0, tar, 0, name.length);
    System.arraycopy("ustar".getBytes(StandardCharsets.US_ASCII), 0, tar, 257, 5);
    List<RecordingEvent> out = new ArrayList<>();
    RecordingDecoder.Result r = decode(tar, out);
    assertThat(r.error()).hasMessage("unsupported format legacy-tar");
    assertThat(r.error().reason()).isEqualTo("unsupported-format");
    assertThat(out).hasSize(1);
    assertThat(out.get(0).getComplete().getFormat()).isEqualTo("legacy-tar");
    assertThat(out.get(0).getComplete().getParseError()).isEqualTo("unsupported format legacy-tar");
    assertThat(out.get(0).getComplete().getObjectSizeBytes()).isEqualTo(1024);
  }

  @Test
  void otherBytesAreUnsupported() throws IOException {
    List<RecordingEvent> out = new ArrayList<>();
    assertThat(decode("hello world, not a recording".getBytes(StandardCharsets.US_ASCII), out).error())
        .hasMessage("unsupported format unknown");
    assertThat(decode(TestEvents.gzip(new byte[10]), out).error()).hasMessage("unsupported format gzip");
    assertThat(decode(new byte[0], out).error()).hasMessage("empty recording object (0 bytes)");
  }

  @Test
  void sniffsEachFormat() {
    byte[] v1 = new byte[32];
    v1[7] = 1;
    assertThat(RecordingFormat.sniff(v1, v1.length)).isEqualTo(RecordingFormat.PROTOSTREAM_V1);
    v1[7] = 2;
    assertThat(RecordingFormat.sniff(v1, v1.length)).isEqualTo(RecordingFormat.PROTOSTREAM_V2);
    byte[] cast = "\n {\"version\": 2}".getBytes(StandardCharsets.US_ASCII);
    assertThat(RecordingFormat.sniff(cast, cast.length)).isEqualTo(RecordingFormat.ASCIICAST_V2);
    byte[] v3 = "{\"version\":3,\"term\":{\"cols\":80,\"rows\":24}}".getBytes(StandardCharsets.US_ASCII);
    assertThat(RecordingFormat.sniff(v3, v3.length)).isEqualTo(RecordingFormat.ASCIICAST_V3);
    byte[] v30 = "{\"version\": 30}".getBytes(StandardCharsets.US_ASCII);
    assertThat(RecordingFormat.sniff(v30, v30.length)).isEqualTo(RecordingFormat.ASCIICAST_V2);
    assertThat(RecordingFormat.sniff(new byte[0], 0)).isEqualTo(RecordingFormat.EMPTY);
  }

  @Test
  void asciicastOtherVersionsAreUnsupported() throws IOException {
    List<RecordingEvent> out = new ArrayList<>();
    byte[] v4 = "{\"version\": 4, \"term\": {\"cols\": 80, \"rows\": 24}}\n[0.5, \"o\", \"x\"]\n"
        .getBytes(StandardCharsets.UTF_8);
    assertThat(decode(v4, out).error()).hasMessage("unsupported format asciicast-v4");
    byte[] v1 = "{\"version\": 1, \"width\": 80, \"height\": 24, \"stdout\": [[0.5, \"x\"]]}\n"
        .getBytes(StandardCharsets.UTF_8);
    assertThat(decode(v1, out).error()).hasMessage("unsupported format asciicast-v1");
  }
}
