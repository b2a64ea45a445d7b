package dev.whodrove.cli;

import dev.whodrove.decoder.RecordingDecoder;
import dev.whodrove.featurizer.TeleportSessionAccumulator;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** One recording file decoded and featurized offline, with the services' own decoder and accumulator. */
final class OfflineRecording {
  private OfflineRecording() {}

  /** Session id of a recording file: its name without {@code .tar} / {@code .cast}. */
  static String sessionId(Path file) {
    return file.getFileName().toString().replaceFirst("\\.(tar|cast)$", "");
  }

  /**
   * Decodes {@code file}, handing every event to {@code also} as well, and returns its features.
   *
   * @throws IOException when the file cannot be read or decoded (the message names the reason)
   */
  static SessionFeatures featurize(Path file, Consumer<RecordingEvent> also) throws IOException {
    return featurize(file, also, List.of());
  }

  /**
   * Same, with the session's audit events taken in first, as the featurizer does when they arrive before the
   * recording (the usual order: the recording is decoded after its upload).
   */
  static SessionFeatures featurize(Path file, Consumer<RecordingEvent> also, List<TeleportAuditEvent> audit)
      throws IOException {
    String sid = sessionId(file);
    TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
    audit.forEach(acc::addAudit);
    try (InputStream in = Files.newInputStream(file)) {
      RecordingDecoder.Result r = new RecordingDecoder(RecordingDecoder.Settings.defaults())
          .decode(in, sid, file.toUri().toString(), Files.size(file), e -> {
            acc.add(e);
            also.accept(e);
          });
      if (!r.ok()) {
        throw new IOException(r.error().getMessage());
      }
    }
    return acc.build(sid);
  }
}
