package dev.whodrove.ingest.teleport;

import dev.whodrove.runtime.DeadLetters.Original;
import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.util.concurrent.CompletableFuture;

/**
 * Where sources hand their output. Every future completes only once Kafka acknowledged the write (or fails), so a
 * source acknowledges its own input (deletes an SQS message, answers 2xx, advances a file offset) only after that.
 */
public interface SourceOutput {
  /** Which dead-letter topic a rejection belongs to. */
  enum DeadLetterTarget {
    /** teleport.audit.events.dlq: audit event input that could not be parsed. */
    AUDIT_EVENTS,
    /** teleport.recordings.dlq: notifications or references naming no usable recording. */
    RECORDINGS
  }

  /**
   * Publishes an audit event to teleport.audit.events; a {@code session.upload} also yields its recording reference
   * (or a dead letter when its url is unusable). Completes when everything it wrote was acknowledged.
   */
  CompletableFuture<Void> publishEvent(TeleportAuditEvent event);

  /** Publishes a recording reference unless the same session id was published within the de-dup window. */
  CompletableFuture<Boolean> publishRecording(RecordingRef ref);

  /**
   * Writes the original input to a dead-letter topic with its position and reason; the dead letter keeps at most
   * {@code deadletter.max.original.bytes} of it, with its whole length and SHA-256.
   */
  CompletableFuture<Void> deadLetter(DeadLetterTarget target, SourcePosition position, Original original,
      String reasonTag, String reason, Throwable error);

  /** {@link #deadLetter(DeadLetterTarget, SourcePosition, Original, String, String, Throwable)} of a whole input. */
  default CompletableFuture<Void> deadLetter(DeadLetterTarget target, SourcePosition position, byte[] original,
      String reasonTag, String reason, Throwable error) {
    return deadLetter(target, position, Original.of(original), reasonTag, reason, error);
  }

  /** Shorthand for a typed rejection. */
  default CompletableFuture<Void> deadLetter(DeadLetterTarget target, SourcePosition position, byte[] original,
      EventRejectedException rejection) {
    return deadLetter(target, position, original, rejection.tag(), rejection.getMessage(), rejection);
  }
}
