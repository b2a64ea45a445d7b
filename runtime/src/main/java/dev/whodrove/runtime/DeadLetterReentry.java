package dev.whodrove.runtime;

import dev.whodrove.schemas.v1.DeadLetter;
import java.util.concurrent.CompletableFuture;

/**
 * How a service that reads outside Kafka (a file, an HTTP intake, SQS, Pub/Sub, Athena) takes one of its dead
 * letters back: the original runs through the same parser and publisher as when the source first read it, so it is
 * validated the same way and, if it is still bad, becomes a fresh dead letter. A dead letter of a Kafka record needs
 * none of this: it goes back to its source topic as it was.
 *
 * <p>Made by {@link ServiceFactory#reentry}. Implementations write through the producer they were given, which may
 * be transactional; they never commit, flush or close it.
 */
public interface DeadLetterReentry {
  /** What a re-submitted dead letter became once Kafka acknowledged it. */
  enum Result {
    /** Parsed and published to the service's output topic. */
    PUBLISHED,
    /** Still rejected: a fresh dead letter was written. */
    DEAD_LETTERED_AGAIN,
    /** Parsed, but it yields nothing to publish (an S3 test event, a copy the service already wrote). */
    NOTHING_TO_PUBLISH
  }

  /** A result, and the topic or reason that goes with it. */
  record Outcome(Result result, String detail) {}

  /** This dead letter's source is not one the service reads from: it cannot go back in this way. */
  final class NotReenterable extends Exception {
    private static final long serialVersionUID = 1L;

    public NotReenterable(String message) {
      super(message);
    }
  }

  /**
   * Where the dead letter would go back in (for example {@code "file parser → teleport.audit.events"}), without
   * writing anything.
   *
   * @throws NotReenterable when it cannot go back in this way
   */
  String route(String deadLetterTopic, DeadLetter deadLetter) throws NotReenterable;

  /**
   * Re-submits the dead letter's original, which must be whole ({@link DeadLetters#whyNotWhole} empty). Completes
   * when Kafka acknowledged everything it wrote (within the producer's transaction, if any); fails when it could not
   * be written.
   *
   * @throws NotReenterable when it cannot go back in this way
   */
  CompletableFuture<Outcome> reenter(String deadLetterTopic, DeadLetter deadLetter) throws NotReenterable;
}
