package dev.whodrove.cli;

import dev.whodrove.decoder.RecordingDecoder;
import dev.whodrove.featurizer.TeleportSessionAccumulator;
import dev.whodrove.schemas.PrintEvents;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** One recording file decoded and featurized offline, with the services' own decoder and accumulator. */
final class OfflineRecording {
  private OfflineRecording() {}

  /** Session id of a recording file: its name without {@code .tar} / {@code .cast}. */
  static String sessionId(Path file) {
    return file.getFileName().toString().replaceFirst("\\.(tar|cast)$", "");
  }

  /**
   * Threads per recording when not told: one per processor, parts decoded side by side, at most four (each part in
   * flight takes its share of the heap).
   */
  static final int DEFAULT_THREADS = Math.min(4, Runtime.getRuntime().availableProcessors());

  /** Prints not looked at. */
  static final PrintEvents.CountsVisitor NO_PRINTS = (index, timeMs, bytes, delayMs, editChars) -> { };

  /** {@link #featurize(Path, PrintEvents.CountsVisitor, List, int)} without audit events, {@link #DEFAULT_THREADS}. */
  static SessionFeatures featurize(Path file, PrintEvents.CountsVisitor prints) throws IOException {
    return featurize(file, prints, List.of(), DEFAULT_THREADS);
  }

  /**
   * Decodes {@code file}, handing every print to {@code prints} as well, and returns its features, with the
   * session's audit events taken in first, as the featurizer does when they arrive before the recording (the usual
   * order: the recording is decoded after its upload). A ProtoStream recording is decoded {@code threads} parts at a
   * time; the result is the same for any number.
   *
   * @throws IOException when the file cannot be read or decoded (the message names the reason)
   */
  static SessionFeatures featurize(Path file, PrintEvents.CountsVisitor prints, List<TeleportAuditEvent> audit,
      int threads) throws IOException {
    String sid = sessionId(file);
    String uri = file.toUri().toString();
    TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
    audit.forEach(acc::addAudit);
    RecordingDecoder decoder = new RecordingDecoder(RecordingDecoder.Settings.defaults());
    RecordingDecoder.EventSink sink = new RecordingDecoder.EventSink() {
      @Override
      public void print(long index, long timeMs, long bytes, long delayMs, int editChars) {
        acc.addPrint(uri, index, timeMs, bytes, delayMs, editChars);
        prints.print(index, timeMs, bytes, delayMs, editChars);
      }

      @Override
      public void event(RecordingEvent e) {
        acc.add(e);
        PrintEvents.forEachCounts(e, prints); // an asciicast recording's prints come as events
      }
    };
    try (InputStream in = Files.newInputStream(file)) {
      RecordingDecoder.Result r = decoder.decodeByParts(in, sid, uri, Files.size(file), threads, sink);
      if (!r.ok()) {
        throw new IOException(r.error().getMessage());
      }
    }
    return acc.build(sid);
  }
}
