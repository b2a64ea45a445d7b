package dev.whodrove.ingest.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import dev.whodrove.testkit.Await;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The real Pub/Sub Subscriber against an in-process Subscriber service, writing to the embedded broker. */
@ExtendWith(EmbeddedKafkaExtension.class)
class PubSubPullSourceIT {
  private static final String SUBSCRIPTION = "projects/test-project/subscriptions/audit-logs";

  private FakePubSubServer fake;
  private Server server;
  private ManagedChannel channel;
  private PubSubPullSource source;
  private EntryPublisher publisher;

  @BeforeAll
  static void topics(EmbeddedKafkaBroker broker) {
    TestKafka.ensureTopics(broker);
  }

  @BeforeEach
  void startServer() throws Exception {
    fake = new FakePubSubServer();
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(fake).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() {
    if (source != null) {
      source.close();
    }
    if (publisher != null) {
      publisher.close();
    }
    channel.shutdownNow();
    server.shutdownNow();
  }

  private void startSource(RecordSender sender, SimpleMeterRegistry metrics, EmbeddedKafkaBroker broker)
      throws Exception {
    publisher = TestKafka.publisher(broker, sender, metrics);
    source = new PubSubPullSource(publisher,
        new PubSubPullSource.Settings(SUBSCRIPTION, null, false, null, 100, 10L << 20, 1, 2),
        FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)));
    source.start();
  }

  @Test
  void acksOnlyAfterKafkaAcknowledged(EmbeddedKafkaBroker broker) throws Exception {
    TestSenders.Gated gated = new TestSenders.Gated(TestKafka.sender(broker));
    startSource(gated, new SimpleMeterRegistry(), broker);
    List<String> lines = Fixtures.lines("plaso-gcp_logging.jsonl");
    for (int i = 0; i < 5; i++) {
      fake.enqueue("gate-" + i, lines.get(i).getBytes(StandardCharsets.UTF_8));
    }
    Await.until(() -> gated.received.get() == 5, "5 records handed to the producer", Duration.ofSeconds(30));
    Thread.sleep(500); // room for a premature ack to show up
    assertThat(fake.acked).isEmpty();
    assertThat(fake.nacks.get()).isZero();

    gated.open();
    Await.until(() -> fake.acked.size() == 5, "5 acks", Duration.ofSeconds(30));
    List<TestKafka.Keyed> written = TestKafka.entries(broker,
        e -> e.getSource().getLocator().startsWith("gate-"), 5);
    assertThat(written).hasSize(5);
    assertThat(written).allSatisfy(k -> {
      assertThat(k.key()).isEqualTo(k.entry().getPrincipal());
      assertThat(k.entry().getSource().getSource()).isEqualTo("pubsub-pull");
    });
    assertThat(fake.firstRequestSubscriptions).contains(SUBSCRIPTION);
  }

  @Test
  void produceFailuresAreRedeliveredWithoutLossAndCopiesWrittenOnce(EmbeddedKafkaBroker broker) throws Exception {
    TestSenders.FailingFirst flaky = new TestSenders.FailingFirst(TestKafka.sender(broker), 6);
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    startSource(flaky, metrics, broker);
    List<String> all = Fixtures.all();
    for (int i = 0; i < all.size(); i++) {
      fake.enqueue("redo-" + i, all.get(i).getBytes(StandardCharsets.UTF_8));
    }
    // Pub/Sub is at-least-once: the same entries again under new message ids
    for (int i = 0; i < 4; i++) {
      fake.enqueue("redo-copy-" + i, all.get(i).getBytes(StandardCharsets.UTF_8));
    }
    fake.enqueue("redo-bad", "{\"textPayload\":\"hello\"}".getBytes(StandardCharsets.UTF_8));
    int messages = all.size() + 5;

    Await.until(() -> fake.acked.size() == messages, "every message acked", Duration.ofSeconds(30));
    assertThat(flaky.failed.get()).isEqualTo(6);
    assertThat(fake.nacks.get()).isGreaterThanOrEqualTo(1);
    assertThat(fake.deliveries.get()).isGreaterThan(messages);

    List<TestKafka.Keyed> written = TestKafka.entries(broker,
        e -> e.getSource().getLocator().startsWith("redo-"), all.size());
    assertThat(written).hasSize(all.size());
    // every fixture line exactly once, whether its original or its copy won
    Set<String> lineIndexes = new HashSet<>();
    written.forEach(k -> lineIndexes.add(k.entry().getSource().getLocator().replaceAll("\\D", "")));
    assertThat(lineIndexes).hasSize(all.size());
    assertThat(TestKafka.deadLetters(broker, d -> d.getSource().getLocator().equals("redo-bad"), 1))
        .singleElement().satisfies(d -> assertThat(d.getReason()).startsWith("not_audit_log"));
    assertThat(metrics.counter("whodrove.ingest.gcp.entries", "outcome", "duplicate", "source", "pubsub-pull").count())
        .isGreaterThanOrEqualTo(4);
    assertThat(metrics.counter("whodrove.ingest.gcp.entries", "outcome", "produced", "source", "pubsub-pull").count())
        .isEqualTo(all.size());
  }

  @Test
  void hostileAndOversizeMessagesAreAckedAsDeadLettersAndTheOthersFlow(EmbeddedKafkaBroker broker) throws Exception {
    startSource(TestKafka.sender(broker), new SimpleMeterRegistry(), broker);
    List<String> good = Fixtures.lines("sekoia-intake-formats.jsonl");
    String template = good.get(0);
    String absurd = template.replaceFirst("\"timestamp\":\"[^\"]*\"", "\"timestamp\":\"+999999999-12-31T23:59:59Z\"");
    String big = template.replace("\"protoPayload\":{", "\"protoPayload\":{\"response\":{\"pad\":\""
        + "z".repeat(2 << 20) + "\"},");
    fake.enqueue("hostile-absurd", absurd.getBytes(StandardCharsets.UTF_8));
    fake.enqueue("hostile-big", big.getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < good.size(); i++) {
      fake.enqueue("hostile-good-" + i, good.get(i).getBytes(StandardCharsets.UTF_8));
    }
    int messages = good.size() + 2;
    Await.until(() -> fake.acked.size() == messages, "every message acked", Duration.ofSeconds(30));
    assertThat(fake.nacks.get()).as("nothing is redelivered for its content").isZero();
    assertThat(TestKafka.entries(broker, e -> e.getSource().getLocator().startsWith("hostile-good-"), good.size()))
        .hasSize(good.size());
    var dead = TestKafka.deadLetters(broker, d -> d.getSource().getLocator().startsWith("hostile-")
        && !d.getSource().getLocator().startsWith("hostile-good"), 2);
    assertThat(dead).extracting(d -> d.getSource().getLocator() + " " + d.getReason().split(":")[0])
        .containsExactlyInAnyOrder("hostile-absurd bad_timestamp", "hostile-big too_large");
    assertThat(dead).filteredOn(d -> d.getSource().getLocator().equals("hostile-big")).singleElement()
        .satisfies(d -> {
          assertThat(d.getOriginalValueSize()).isEqualTo(big.length());
          assertThat(d.getOriginalTruncated()).isTrue();
        });
  }
}
