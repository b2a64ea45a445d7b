package dev.whodrove.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.schemas.teleport.Metadata;
import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.schemas.teleport.SessionPrint;
import dev.whodrove.sim.ProtoStreamWriter;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PTY text of a Teleport ProtoStream recording, read only under the configured roots. */
class StoreRecordingTextSourceTest {
  @TempDir Path tmp;

  private static Path writeRecording(Path file, String... chunks) throws Exception {
    try (OutputStream out = Files.newOutputStream(file); ProtoStreamWriter w = new ProtoStreamWriter(out)) {
      for (int i = 0; i < chunks.length; i++) {
        byte[] b = chunks[i].getBytes(StandardCharsets.UTF_8);
        w.write(OneOf.newBuilder().setSessionPrint(SessionPrint.newBuilder()
            .setMetadata(Metadata.newBuilder().setIndex(i).setType("print")).setChunkIndex(i)
            .setData(ByteString.copyFrom(b)).setBytes(b.length).setDelayMilliseconds(i * 100L)).build());
      }
    }
    return file;
  }

  @Test
  void readsProtoStreamTextUnderTheRootsAndNothingElsewhere() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("records"));
    Path inside = writeRecording(root.resolve("s1.tar"), "$ kubectl get pods\r\n", "\u001b[32mapi-1\u001b[0m Running\r\n");
    Path outside = writeRecording(tmp.resolve("elsewhere.tar"), "secret\r\n");
    try (StoreRecordingTextSource src = new StoreRecordingTextSource(
        ServiceConfig.of(Map.of("llm.store.file.roots", root.toString())))) {
      assertThat(src.text(inside.toUri().toString(), 1000)).hasValue("$ kubectl get pods\napi-1 Running\n");
      assertThat(src.text(inside.toUri().toString(), 5)).hasValue("$ kub");
      assertThat(src.text(outside.toUri().toString(), 1000)).isEmpty();
    }
  }
}
