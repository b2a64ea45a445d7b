package dev.whodrove.ingest.teleport;

import dev.whodrove.runtime.DeadLetters.Original;
import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** In-memory output for source tests; {@link #failing} makes every write fail as if Kafka were down. */
class CollectingOutput implements SourceOutput {
  /** A dead letter: the bytes handed over, the whole original's length and digest (null when whole), the tag. */
  record Dead(DeadLetterTarget target, SourcePosition position, byte[] original, String reasonTag, long size,
      byte[] sha256, String reason) {}

  final List<TeleportAuditEvent> events = new CopyOnWriteArrayList<>();
  final List<RecordingRef> recordings = new CopyOnWriteArrayList<>();
  final List<Dead> dead = new CopyOnWriteArrayList<>();
  volatile boolean failing;

  @Override
  public CompletableFuture<Void> publishEvent(TeleportAuditEvent event) {
    if (failing) {
      return CompletableFuture.failedFuture(new IllegalStateException("kafka down"));
    }
    events.add(event);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Boolean> publishRecording(RecordingRef ref) {
    if (failing) {
      return CompletableFuture.failedFuture(new IllegalStateException("kafka down"));
    }
    recordings.add(ref);
    return CompletableFuture.completedFuture(true);
  }

  @Override
  public CompletableFuture<Void> deadLetter(DeadLetterTarget target, SourcePosition position, Original original,
      String reasonTag, String reason, Throwable error) {
    if (failing) {
      return CompletableFuture.failedFuture(new IllegalStateException("kafka down"));
    }
    dead.add(new Dead(target, position, original.bytes(), reasonTag, original.size(), original.sha256(), reason));
    return CompletableFuture.completedFuture(null);
  }

  List<String> uids() {
    return events.stream().map(TeleportAuditEvent::getUid).toList();
  }
}
