package dev.whodrove.ingest.teleport;

import dev.whodrove.ingest.teleport.SourceOutput.DeadLetterTarget;
import dev.whodrove.runtime.DeadLetterReentry;
import dev.whodrove.runtime.DeadLetters;
import dev.whodrove.runtime.MessageLimits;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Producer;

/**
 * Takes ingest-teleport's dead letters back in through the code that first read them, configured as the service
 * is, writing through the caller's producer:
 *
 * <ul>
 *   <li>{@code teleport.audit.events.dlq} from the file backend, the HTTP intake or Athena: the original is one
 *       event's JSON; it is parsed and published as {@link AuditEventIntake} does for those sources (a
 *       {@code session.upload} yields its recording reference too), or dead-lettered again with the parser's reason.
 *       Athena's {@code uid} column is not there any more: the event's own {@code uid} is used;
 *   <li>{@code teleport.recordings.dlq} from SQS: the original is the S3 notification, read as
 *       {@link SqsNotificationSource#accept} reads a received message;
 *   <li>{@code teleport.recordings.dlq} from the other sources: the original is the {@code session.upload} event
 *       whose recording reference was refused. The event itself was published when it was read, so only the reference
 *       is made again ({@link TeleportPublisher#publishRecordingOf}).
 * </ul>
 */
final class TeleportReentry implements DeadLetterReentry {
  /** Sources whose dead letters hold one audit event's JSON. */
  private static final Set<String> EVENT_SOURCES = Set.of("file", "http", "athena");
  private static final String EVENTS_DLQ = Topics.TELEPORT_AUDIT_EVENTS.deadLetterTopic();
  private static final String RECORDINGS_DLQ = Topics.TELEPORT_RECORDINGS.deadLetterTopic();

  private final ServiceConfig config;
  private final Producer<byte[], byte[]> producer;
  private final Clock clock = Clock.systemUTC();
  private final AuditEventParser parser = new AuditEventParser();
  private TeleportPublisher publisher;

  TeleportReentry(ServiceConfig config, Producer<byte[], byte[]> producer) {
    this.config = config;
    this.producer = producer;
  }

  /** The path back in for a dead letter. */
  private enum Path { EVENT, NOTIFICATION, UPLOAD_REFERENCE }

  private Path path(String deadLetterTopic, DeadLetter dl) throws NotReenterable {
    String source = dl.getSource().getSource();
    if (deadLetterTopic.equals(EVENTS_DLQ) && EVENT_SOURCES.contains(source)) {
      return Path.EVENT;
    }
    if (deadLetterTopic.equals(RECORDINGS_DLQ) && source.equals("sqs")) {
      return Path.NOTIFICATION;
    }
    if (deadLetterTopic.equals(RECORDINGS_DLQ) && EVENT_SOURCES.contains(source)) {
      return Path.UPLOAD_REFERENCE;
    }
    throw new NotReenterable(IngestTeleportService.NAME + " has no input path for '" + source + "' dead letters on "
        + deadLetterTopic);
  }

  @Override
  public String route(String deadLetterTopic, DeadLetter dl) throws NotReenterable {
    return switch (path(deadLetterTopic, dl)) {
      case EVENT -> IngestTeleportService.NAME + " " + dl.getSource().getSource() + " event parser → "
          + Topics.TELEPORT_AUDIT_EVENTS.name();
      case NOTIFICATION -> IngestTeleportService.NAME + " S3 notification reader → "
          + Topics.TELEPORT_RECORDINGS.name();
      case UPLOAD_REFERENCE -> IngestTeleportService.NAME + " session.upload reference → "
          + Topics.TELEPORT_RECORDINGS.name();
    };
  }

  @Override
  public CompletableFuture<Outcome> reenter(String deadLetterTopic, DeadLetter dl) throws NotReenterable {
    Path path = path(deadLetterTopic, dl);
    byte[] original = DeadLetters.originalValue(dl);
    if (original == null) {
      throw new NotReenterable("the dead letter keeps no original input");
    }
    SourcePosition pos = dl.getSource();
    TeleportPublisher out = publisher();
    switch (path) {
      case EVENT -> {
        AuditEventIntake.Accepted a = AuditEventIntake.accept(parser, out, original, pos);
        return a.written().thenApply(x -> a.parsed()
            ? new Outcome(Result.PUBLISHED, Topics.TELEPORT_AUDIT_EVENTS.name())
            : new Outcome(Result.DEAD_LETTERED_AGAIN, EVENTS_DLQ));
      }
      case NOTIFICATION -> {
        SqsNotificationSource.Accepted a = SqsNotificationSource.accept(
            new String(original, StandardCharsets.UTF_8), pos, out, clock.millis());
        return a.written().thenApply(x -> a.deadLettered() ? new Outcome(Result.DEAD_LETTERED_AGAIN, RECORDINGS_DLQ)
            : a.refs() == 0 ? new Outcome(Result.NOTHING_TO_PUBLISH, "the notification names no recording")
            : new Outcome(Result.PUBLISHED, Topics.TELEPORT_RECORDINGS.name()));
      }
      default -> {
        TeleportAuditEvent event;
        try {
          event = parser.parse(original, pos);
        } catch (EventRejectedException r) {
          // published once, the event no longer parses: its reference stays refused, with the parser's reason
          return out.deadLetter(DeadLetterTarget.RECORDINGS, pos, original, r)
              .thenApply(x -> new Outcome(Result.DEAD_LETTERED_AGAIN, RECORDINGS_DLQ));
        }
        return out.publishRecordingOf(event).thenApply(r -> switch (r) {
          case PUBLISHED -> new Outcome(Result.PUBLISHED, Topics.TELEPORT_RECORDINGS.name());
          case DEAD_LETTERED -> new Outcome(Result.DEAD_LETTERED_AGAIN, RECORDINGS_DLQ);
          case DUPLICATE -> new Outcome(Result.NOTHING_TO_PUBLISH, "the session's recording was just published");
          case NONE -> new Outcome(Result.NOTHING_TO_PUBLISH, "not a session.upload event");
        });
      }
    }
  }

  private synchronized TeleportPublisher publisher() {
    if (producer == null) {
      throw new IllegalStateException("no producer: this re-entry can only tell routes");
    }
    if (publisher == null) {
      publisher = new TeleportPublisher(IngestTeleportService.NAME, producer, config.serdeProperties(),
          IngestTeleportService.deduplicator(config, clock), new SimpleMeterRegistry(), clock,
          MessageLimits.from(config));
    }
    return publisher;
  }
}
