package dev.whodrove.ingest.gcp;

import dev.whodrove.runtime.HttpEndpoint;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/** Push endpoints and authenticators for tests, and a sender that keeps what it is given. */
final class PushEndpoints {
  private PushEndpoints() {}

  static PushAuthenticator sharedToken(String token) {
    return new PushAuthenticator(token, null, Set.of(), null, false, Clock.systemUTC());
  }

  static PushAuthenticator insecure() {
    return new PushAuthenticator(null, null, Set.of(), null, true, Clock.systemUTC());
  }

  static PushAuthenticator oidc(String audience, String email, String certsUrl) {
    return new PushAuthenticator(null, audience, Set.of(email), certsUrl, false, Clock.systemUTC());
  }

  /** A started endpoint on a free loopback port at {@code /pubsub/push}. */
  static PubSubPushEndpoint start(EntryPublisher publisher, PushAuthenticator auth, Duration ackTimeout, int threads,
      HttpEndpoint.Limits limits) throws IOException {
    PubSubPushEndpoint e = new PubSubPushEndpoint(publisher, new PubSubPushEndpoint.Settings("127.0.0.1", 0,
        "/pubsub/push", ackTimeout, threads, limits), auth, null);
    e.start();
    return e;
  }

  static PubSubPushEndpoint start(EntryPublisher publisher, PushAuthenticator auth, Duration ackTimeout, int threads)
      throws IOException {
    return start(publisher, auth, ackTimeout, threads, HttpEndpoint.Limits.defaults());
  }

  /** Acknowledges every record at once and keeps it. */
  static final class Collecting implements RecordSender {
    final List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
      sent.add(record);
      return CompletableFuture.completedFuture(new RecordMetadata(new TopicPartition(record.topic(), 0), 0, 0,
          System.currentTimeMillis(), 0, 0));
    }

    List<String> topics() {
      return sent.stream().map(ProducerRecord::topic).toList();
    }

    @Override
    public void flush() {}

    @Override
    public void close(Duration timeout) {}
  }
}
