package dev.whodrove.cli;

import dev.whodrove.decoder.DecodeAhead;
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

  /** Threads per recording when not told: decoding ahead of featurization pays from two cores on. */
  static final int DEFAULT_THREADS = Math.min(2, Runtime.getRuntime().availableProcessors());

  /** {@link #featurize(Path, Consumer, int)} with {@link #DEFAULT_THREADS}. */
  static SessionFeatures featurize(Path file, Consumer<RecordingEvent> also) throws IOException {
    return featurize(file, also, DEFAULT_THREADS);
  }

  /**
   * Decodes {@code file}, handing every event to {@code also} as well, and returns its features. With
   * {@code threads} of 2 or more the decoder runs on a thread of its own, ahead of featurization; the result is the
   * same.
   *
   * @throws IOException when the file cannot be read or decoded (the message names the reason)
   */
  static SessionFeatures featurize(Path file, Consumer<RecordingEvent> also, int threads) throws IOException {
    return featurize(file, also, List.of(), threads);
  }

  /**
   * Same, with the session's audit events taken in first, as the featurizer does when they arrive before the
   * recording (the usual order: the recording is decoded after its upload).
   */
  static SessionFeatures featurize(Path file, Consumer<RecordingEvent> also, List<TeleportAuditEvent> audit,
      int threads) throws IOException {
    String sid = sessionId(file);
    TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
    audit.forEach(acc::addAudit);
    RecordingDecoder decoder = new RecordingDecoder(RecordingDecoder.Settings.defaults());
    Consumer<RecordingEvent> sink = e -> {
      acc.add(e);
      also.accept(e);
    };
    try (InputStream in = Files.newInputStream(file)) {
      String uri = file.toUri().toString();
      RecordingDecoder.Result r = threads > 1
          ? DecodeAhead.decode(decoder, in, sid, uri, Files.size(file), sink)
          : decoder.decode(in, sid, uri, Files.size(file), sink);
      if (!r.ok()) {
        throw new IOException(r.error().getMessage());
      }
    }
    return acc.build(sid);
  }
}
