package dev.whodrove.ingest.teleport;

import dev.whodrove.ingest.teleport.SourceOutput.DeadLetterTarget;
import dev.whodrove.runtime.Errors;
import dev.whodrove.schemas.v1.SourcePosition;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * Long-polls an SQS queue that receives the recordings bucket's S3 {@code ObjectCreated} notifications and publishes
 * a {@code RecordingRef} per new {@code <sid>.tar}. A message is deleted only after Kafka acknowledged everything it
 * produced (its refs, or its dead letter when it is malformed); otherwise it reappears after the visibility timeout.
 */
public final class SqsNotificationSource implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SqsNotificationSource.class);

  public static final String QUEUE_URL = "teleport.sqs.queue.url";
  public static final String WAIT_SECONDS = "teleport.sqs.wait.seconds";
  public static final String MAX_MESSAGES = "teleport.sqs.max.messages";
  public static final String ACK_TIMEOUT = "teleport.sqs.ack.timeout";

  private final SqsClient sqs;
  private final String queueUrl;
  private final SourceOutput output;
  private final Clock clock;
  private final int waitSeconds;
  private final int maxMessages;
  private final Duration ackTimeout;
  private final PollingThread polling;
  /** True while blocked in a long poll: the only place close() interrupts without waiting. */
  private volatile boolean receiving;

  public SqsNotificationSource(SqsClient sqs, String queueUrl, SourceOutput output, Clock clock, int waitSeconds,
      int maxMessages, Duration ackTimeout) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.output = output;
    this.clock = clock;
    this.waitSeconds = waitSeconds;
    this.maxMessages = maxMessages;
    this.ackTimeout = ackTimeout;
    this.polling = new PollingThread("ingest-teleport-sqs", this::pollOnce, Duration.ZERO, Duration.ofSeconds(1),
        false, log, "SQS poll failed, retrying in 1s: {}");
  }

  /** One receive: handles the messages, deletes those whose output Kafka acknowledged; returns how many. */
  public int pollOnce() throws InterruptedException {
    ReceiveMessageResponse resp;
    receiving = true;
    try {
      resp = sqs.receiveMessage(b -> b.queueUrl(queueUrl).waitTimeSeconds(waitSeconds)
          .maxNumberOfMessages(maxMessages));
    } finally {
      receiving = false;
    }
    if (!resp.hasMessages() || resp.messages().isEmpty()) {
      return 0;
    }
    if (polling.stopping()) {
      return 0; // stopping: leave them to reappear after the visibility timeout
    }
    Map<Message, CompletableFuture<?>> pending = new LinkedHashMap<>();
    for (Message m : resp.messages()) {
      pending.put(m, handle(m));
    }
    long deadline = System.nanoTime() + ackTimeout.toNanos();
    List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
    for (Map.Entry<Message, CompletableFuture<?>> e : pending.entrySet()) {
      try {
        e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        done.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(done.size()))
            .receiptHandle(e.getKey().receiptHandle()).build());
      } catch (InterruptedException ie) {
        throw ie;
      } catch (Exception ex) {
        // not acknowledged: leave the message; SQS redelivers it after the visibility timeout
        String error = "message " + e.getKey().messageId() + " not acknowledged by Kafka: " + ex;
        polling.recordError(error);
        log.warn(error);
      }
    }
    if (!done.isEmpty()) {
      DeleteMessageBatchResponse del = sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(done));
      if (del.hasFailed() && !del.failed().isEmpty()) {
        log.warn("SQS refused to delete {} messages (they will be redelivered; refs are de-duplicated): {}",
            del.failed().size(), del.failed().get(0).message());
      }
    }
    return done.size();
  }

  private CompletableFuture<?> handle(Message m) {
    SourcePosition pos = SourcePosition.newBuilder().setSource("sqs").setLocator(m.messageId()).setOffset(-1).build();
    return accept(m.body(), pos, output, clock.millis()).written();
  }

  /**
   * What one notification became.
   *
   * @param refs recording references it named (published unless published within the de-duplication window)
   * @param written completes once Kafka acknowledged the references or the dead letter
   */
  record Accepted(int refs, boolean deadLettered, CompletableFuture<Void> written) {}

  /**
   * One notification body, as a received message and a dead-lettered one going back in ({@link TeleportReentry}):
   * the recordings it names are published, a body that is not a usable notification goes to
   * teleport.recordings.dlq.
   */
  static Accepted accept(String body, SourcePosition pos, SourceOutput output, long nowMs) {
    try {
      RecordingRefs.Notification n = RecordingRefs.fromS3Notification(body, nowMs, pos);
      return new Accepted(n.refs().size(), false,
          CompletableFuture.allOf(n.refs().stream().map(output::publishRecording).toArray(CompletableFuture[]::new)));
    } catch (EventRejectedException r) {
      return new Accepted(0, true,
          output.deadLetter(DeadLetterTarget.RECORDINGS, pos, body.getBytes(StandardCharsets.UTF_8), r));
    } catch (RuntimeException e) {
      // a defect on this one message must not keep the whole receive from being deleted
      return new Accepted(0, true, output.deadLetter(DeadLetterTarget.RECORDINGS, pos,
          body.getBytes(StandardCharsets.UTF_8), new EventRejectedException(EventRejectedException.Reason.PARSE_ERROR,
              "notification could not be read: " + Errors.oneLine(e), e)));
    }
  }

  /** Polls on a thread of its own until closed. */
  public void start() {
    polling.start();
  }

  /** As {@link #start()}, the thread's unexpected end reported to {@code threads}. */
  public void start(dev.whodrove.runtime.ServiceThreads threads) {
    polling.start(threads);
  }

  /** The last failure (a poll that threw, or a batch Kafka did not acknowledge), or empty. */
  public String lastError() {
    return polling.lastError();
  }

  /** Stops polling: a long poll is cut short, a batch being acknowledged gets up to 10 s to finish. */
  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }

  /**
   * Stops polling. A long poll in progress is interrupted at once; a received batch waiting for Kafka gets up to
   * {@code grace} to be acknowledged and deleted, then it is abandoned (SQS redelivers it).
   */
  public void close(Duration grace) {
    polling.stop(() -> receiving, grace, Duration.ofSeconds(5));
  }
}
