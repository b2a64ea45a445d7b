package dev.whodrove.ingest.teleport;

import dev.whodrove.ingest.teleport.SourceOutput.DeadLetterTarget;
import dev.whodrove.schemas.v1.SourcePosition;
import java.util.concurrent.CompletableFuture;

/**
 * One audit event input as the file backend and the HTTP intake handle it, and as a dead-lettered one goes back in
 * ({@link TeleportReentry}): parsed, then published with the recording reference a {@code session.upload} yields,
 * or dead-lettered to teleport.audit.events.dlq with the parser's reason.
 */
final class AuditEventIntake {
  /**
   * What became of an input.
   *
   * @param parsed true when it parsed and was handed to the output, false when it was dead-lettered
   * @param written completes once Kafka acknowledged what it wrote
   */
  record Accepted(boolean parsed, CompletableFuture<Void> written) {}

  private AuditEventIntake() {}

  static Accepted accept(AuditEventParser parser, SourceOutput output, byte[] json, SourcePosition position) {
    try {
      return new Accepted(true, output.publishEvent(parser.parse(json, position)));
    } catch (EventRejectedException r) {
      return new Accepted(false, output.deadLetter(DeadLetterTarget.AUDIT_EVENTS, position, json, r));
    }
  }
}
