package dev.whodrove.ingest.gcp;

import com.google.api.gax.batching.FlowControlSettings;
import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.core.InstantiatingExecutorProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.api.core.ApiService;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.pubsub.v1.AckReplyConsumer;
import com.google.cloud.pubsub.v1.Subscriber;
import com.google.pubsub.v1.PubsubMessage;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streaming pull from a Pub/Sub subscription fed by a log-router sink. Each message is acked only after its entry (or
 * dead letter) was acknowledged by Kafka, and nacked when neither could be written, so Pub/Sub redelivers it.
 * Delivery order is not assumed.
 */
public final class PubSubPullSource implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PubSubPullSource.class);
  private static final List<String> SCOPES = List.of("https://www.googleapis.com/auth/pubsub");

  /**
   * @param subscription {@code projects/<project>/subscriptions/<name>}
   * @param endpoint host:port overriding Google's endpoint, or null
   * @param plaintext talk to {@code endpoint} without TLS and without credentials (emulator-style servers)
   * @param credentialsFile service-account JSON; null uses Application Default Credentials
   * @param maxOutstandingMessages flow control: unacked messages held at once
   * @param maxOutstandingBytes flow control: bytes of unacked messages held at once
   * @param parallelPulls concurrent streaming-pull streams
   * @param executorThreads threads running the message callback (cheap: it only parses and hands off to Kafka)
   */
  public record Settings(String subscription, String endpoint, boolean plaintext, String credentialsFile,
      long maxOutstandingMessages, long maxOutstandingBytes, int parallelPulls, int executorThreads) {}

  private final EntryPublisher publisher;
  private final Settings settings;
  private final TransportChannelProvider channelOverride;
  private ManagedChannel plaintextChannel;
  private Subscriber subscriber;

  public PubSubPullSource(EntryPublisher publisher, Settings settings) {
    this(publisher, settings, null);
  }

  /** @param channelOverride a ready transport (tests use an in-process channel); credentials are then not used */
  public PubSubPullSource(EntryPublisher publisher, Settings settings, TransportChannelProvider channelOverride) {
    this.publisher = publisher;
    this.settings = settings;
    this.channelOverride = channelOverride;
  }

  public synchronized void start() throws IOException {
    Subscriber.Builder b = Subscriber.newBuilder(settings.subscription(), this::receive)
        .setFlowControlSettings(FlowControlSettings.newBuilder()
            .setMaxOutstandingElementCount(settings.maxOutstandingMessages())
            .setMaxOutstandingRequestBytes(settings.maxOutstandingBytes())
            .build())
        .setParallelPullCount(settings.parallelPulls())
        .setExecutorProvider(InstantiatingExecutorProvider.newBuilder()
            .setExecutorThreadCount(settings.executorThreads()).build());
    if (channelOverride != null) {
      b.setChannelProvider(channelOverride).setCredentialsProvider(NoCredentialsProvider.create());
    } else if (settings.endpoint() != null && settings.plaintext()) {
      plaintextChannel = ManagedChannelBuilder.forTarget(settings.endpoint()).usePlaintext().build();
      b.setChannelProvider(FixedTransportChannelProvider.create(GrpcTransportChannel.create(plaintextChannel)))
          .setCredentialsProvider(NoCredentialsProvider.create());
    } else {
      if (settings.endpoint() != null) {
        b.setEndpoint(settings.endpoint());
      }
      if (settings.credentialsFile() != null) {
        b.setCredentialsProvider(credentialsFrom(Path.of(settings.credentialsFile())));
      }
    }
    subscriber = b.build();
    subscriber.addListener(new ApiService.Listener() {
      @Override
      public void failed(ApiService.State from, Throwable failure) {
        log.error("Pub/Sub subscriber for {} failed (was {}): {}", settings.subscription(), from, failure.toString());
      }
    }, Runnable::run);
    subscriber.startAsync().awaitRunning();
    log.info("pulling from {}", settings.subscription());
  }

  private static CredentialsProvider credentialsFrom(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return FixedCredentialsProvider.create(GoogleCredentials.fromStream(in).createScoped(SCOPES));
    }
  }

  private void receive(PubsubMessage message, AckReplyConsumer consumer) {
    try {
      publisher.publish(message.getData().toByteArray(),
              SourcePositions.of(SourcePositions.PUBSUB_PULL, message.getMessageId(), -1))
          .whenComplete((outcome, err) -> {
            if (err == null) {
              consumer.ack();
            } else {
              consumer.nack();
            }
          });
    } catch (RuntimeException e) {
      log.warn("message {} not handled: {}", message.getMessageId(), e.toString());
      consumer.nack();
    }
  }

  /** True while the subscriber is pulling. */
  public synchronized boolean running() {
    return subscriber != null && subscriber.state() == ApiService.State.RUNNING;
  }

  /** A one-line state for readiness. */
  public synchronized String state() {
    if (subscriber == null) {
      return "not started";
    }
    Throwable f = subscriber.state() == ApiService.State.FAILED ? subscriber.failureCause() : null;
    return subscriber.state() + (f == null ? "" : ": " + f.getMessage());
  }

  /** Stops pulling; acks of messages already handed to Kafka are still sent. */
  public synchronized void close(Duration timeout) {
    if (subscriber != null) {
      try {
        subscriber.stopAsync().awaitTerminated(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | IllegalStateException e) {
        log.warn("Pub/Sub subscriber did not stop cleanly: {}", e.toString());
      }
      subscriber = null;
    }
    if (plaintextChannel != null) {
      plaintextChannel.shutdownNow();
      plaintextChannel = null;
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
