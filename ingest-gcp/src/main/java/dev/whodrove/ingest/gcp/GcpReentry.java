package dev.whodrove.ingest.gcp;

import dev.whodrove.ingest.gcp.bigquery.AuditRows;
import dev.whodrove.runtime.DeadLetterReentry;
import dev.whodrove.runtime.DeadLetters;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.SourcePosition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Producer;

/**
 * Takes ingest-gcp's dead letters back in through the code that first read them, configured as the service is
 * ({@code gcp.entry.max.bytes}, de-duplication), writing through the caller's producer: the original of a Pub/Sub
 * (pull or push) message or of an archive line is one LogEntry, published by {@link EntryPublisher#publish} at its
 * first position; the original of an {@code http} dead letter is a push request that was not an envelope, read as
 * the push endpoint reads one; the original of a {@code bigquery} dead letter is a row of the sink's dataset, made
 * into its LogEntry as the BigQuery source makes it. Whatever is still bad becomes a fresh dead letter with the reason.
 */
final class GcpReentry implements DeadLetterReentry {
  private static final Set<String> ENTRY_SOURCES = Set.of(SourcePositions.PUBSUB_PULL, SourcePositions.PUBSUB_PUSH,
      SourcePositions.JSONL, AuditRows.SOURCE);

  private final ServiceConfig config;
  private final Producer<byte[], byte[]> producer;
  private EntryPublisher publisher;

  GcpReentry(ServiceConfig config, Producer<byte[], byte[]> producer) {
    this.config = config;
    this.producer = producer;
  }

  @Override
  public String route(String deadLetterTopic, DeadLetter dl) throws NotReenterable {
    String source = dl.getSource().getSource();
    if (!deadLetterTopic.equals(EntryPublisher.DLQ_TOPIC)
        || !(ENTRY_SOURCES.contains(source) || source.equals(SourcePositions.HTTP))) {
      throw new NotReenterable("ingest-gcp has no input path for '" + source + "' dead letters on " + deadLetterTopic);
    }
    return "ingest-gcp " + (source.equals(SourcePositions.HTTP) ? "push envelope reader" : source + " entry parser")
        + " → " + EntryPublisher.TOPIC;
  }

  @Override
  public CompletableFuture<Outcome> reenter(String deadLetterTopic, DeadLetter dl) throws NotReenterable {
    route(deadLetterTopic, dl);
    byte[] original = DeadLetters.originalValue(dl);
    if (original == null) {
      throw new NotReenterable("the dead letter keeps no original input");
    }
    SourcePosition pos = dl.getSource();
    EntryPublisher out = publisher();
    CompletableFuture<PublishOutcome> written;
    if (pos.getSource().equals(SourcePositions.HTTP)) {
      PubSubPushEndpoint.Envelope env;
      try {
        env = PubSubPushEndpoint.Envelope.parse(original);
      } catch (IllegalArgumentException bad) {
        written = PubSubPushEndpoint.deadLetterBadEnvelope(out, original, pos, bad);
        return written.thenApply(GcpReentry::outcome);
      }
      written = PubSubPushEndpoint.publishEnvelope(out, env, pos.getLocator());
    } else if (pos.getSource().equals(AuditRows.SOURCE)) {
      // a BigQuery row: made into its LogEntry again, the row kept as the original of a fresh dead letter
      ParseOutcome parsed;
      try {
        parsed = out.parser().parse(AuditRows.toLogEntry(original));
      } catch (RuntimeException e) {
        parsed = new ParseOutcome.Rejected(RejectReason.PARSE_ERROR, dev.whodrove.runtime.Errors.oneLine(e));
      }
      written = out.publishParsed(parsed, original, pos);
    } else {
      written = out.publish(original, pos);
    }
    return written.thenApply(GcpReentry::outcome);
  }

  private static Outcome outcome(PublishOutcome o) {
    return switch (o) {
      case PRODUCED -> new Outcome(Result.PUBLISHED, EntryPublisher.TOPIC);
      case DEAD_LETTERED -> new Outcome(Result.DEAD_LETTERED_AGAIN, EntryPublisher.DLQ_TOPIC);
      case DUPLICATE -> new Outcome(Result.NOTHING_TO_PUBLISH, "a copy of an entry this replay already published");
    };
  }

  private synchronized EntryPublisher publisher() {
    if (producer == null) {
      throw new IllegalStateException("no producer: this re-entry can only tell routes");
    }
    if (publisher == null) {
      publisher = IngestGcpService.publisher(IngestGcpServiceFactory.NAME, config, IngestGcpService.parser(config),
          KafkaRecordSender.over(producer), new SimpleMeterRegistry());
    }
    return publisher;
  }
}
