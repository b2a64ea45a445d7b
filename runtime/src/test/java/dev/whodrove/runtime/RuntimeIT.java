package dev.whodrove.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import dev.whodrove.schemas.ExampleRecords;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.testkit.Await;
import dev.whodrove.testkit.TopicReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The runtime against a real in-process broker: topics, serdes, a hosted Streams app, health, dead letters. */
@ExtendWith(EmbeddedKafkaExtension.class)
class RuntimeIT {
  private static String bootstrap;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void createTopics(EmbeddedKafkaBroker broker) {
    bootstrap = broker.bootstrapServers();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Topics.ensureTopics(admin, Topics.all(), 2, (short) 1, Duration.ofSeconds(30));
      // idempotent: a second call creates nothing and does not fail
      assertThat(Topics.ensureTopics(admin, Topics.all(), 2, (short) 1, Duration.ofSeconds(30))).isEmpty();
    }
  }

  @Test
  void everyCatalogueTopicExistsAndRoundTripsItsValueType() throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Set<String> names = admin.listTopics().names().get();
      Topics.all().forEach(t -> assertThat(names).contains(t.name()));
    }
    Map<String, Message> samples = ExampleRecords.byTopic();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      for (TopicSpec<?> t : Topics.all()) {
        producer.send(new ProducerRecord<>(t.name(), "rt".getBytes(StandardCharsets.UTF_8),
            serialize(t, samples.get(t.name())))).get();
      }
    }
    for (TopicSpec<?> t : Topics.all()) {
      List<ConsumerRecord<byte[], byte[]>> got = readUntil(t.name(), r -> true, 1);
      assertThat(t.valueSerde(Map.of()).deserialize(t.name(), got.get(0).value()))
          .as(t.name()).isEqualTo(samples.get(t.name()));
    }
  }

  @SuppressWarnings("unchecked")
  private static <M extends Message> byte[] serialize(TopicSpec<M> t, Message m) {
    return t.valueSerde(Map.of()).serialize(t.name(), (M) m);
  }

  /** A pass-through Streams app hosted like every service: ready when RUNNING, metrics, poison input dead-lettered. */
  @Test
  void hostedStreamsAppServesHealthAndDeadLettersPoisonRecords() throws Exception {
    ServiceConfig cfg = ServiceConfig.of(Map.of(
        "kafka.bootstrap.servers", bootstrap, "http.port", "0", "http.host", "127.0.0.1",
        "state.dir", java.nio.file.Files.createTempDirectory("streams").toString(),
        "shutdown.timeout", "10s"));
    ServiceContext ctx = ServiceContext.create("echo", cfg);
    StreamsBuilder b = new StreamsBuilder();
    ProtobufSerde<SessionFeatures> in = Topics.SESSION_FEATURES.valueSerde(Map.of());
    ProtobufSerde<SessionVerdict> out = Topics.SESSION_LABELS.valueSerde(Map.of());
    b.stream(Topics.SESSION_FEATURES.name(), Consumed.with(Serdes.String(), in))
        .mapValues(f -> {
          if (f.getUser().equals("boom")) {
            throw new IllegalStateException("cannot label user boom");
          }
          return SessionVerdict.newBuilder().setSessionId(f.getSessionId()).setStage("echo@test").build();
        })
        .to(Topics.SESSION_LABELS.name(), Produced.with(Serdes.String(), out));
    Topology topology = b.build();
    StreamsService service = new StreamsService(ctx, topology, "echo-test",
        List.of(Topics.SESSION_LABELS, Topics.deadLetterOf(Topics.SESSION_FEATURES)));
    try (ServiceHost host = ServiceHost.start(ctx, service, 0)) {
      String base = "http://127.0.0.1:" + host.httpPort();
      assertThat(get(base + "/healthz").statusCode()).isEqualTo(200);
      Await.until(() -> get(base + "/readyz").statusCode() == 200, "readyz 200");
      assertThat(get(base + "/readyz").body()).contains("RUNNING");

      byte[] poison = {0x0a, 0x7f, 0x01};
      try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
          new ByteArraySerializer(), new ByteArraySerializer())) {
        p.send(new ProducerRecord<>(Topics.SESSION_FEATURES.name(), "bad".getBytes(), poison)).get();
        p.send(new ProducerRecord<>(Topics.SESSION_FEATURES.name(), "boom".getBytes(),
            SessionFeatures.newBuilder().setSessionId("boom").setUser("boom").build().toByteArray())).get();
        p.send(new ProducerRecord<>(Topics.SESSION_FEATURES.name(), "good".getBytes(),
            SessionFeatures.newBuilder().setSessionId("good").build().toByteArray())).get();
      }
      List<ConsumerRecord<byte[], byte[]>> labels = readUntil(Topics.SESSION_LABELS.name(),
          r -> "good".equals(new String(r.key(), StandardCharsets.UTF_8)), 1);
      assertThat(labels).isNotEmpty();

      List<ConsumerRecord<byte[], byte[]>> dead = readUntil("session.features.dlq",
          r -> r.key() != null && !"rt".equals(new String(r.key(), StandardCharsets.UTF_8)), 2);
      ProtobufSerde<DeadLetter> dls = Topics.deadLetterOf(Topics.SESSION_FEATURES).valueSerde(Map.of());
      // input partitions are processed independently: find each dead letter by its key
      ConsumerRecord<byte[], byte[]> badRecord = dead.stream()
          .filter(r -> "bad".equals(new String(r.key(), StandardCharsets.UTF_8))).findFirst().orElseThrow();
      ConsumerRecord<byte[], byte[]> boomRecord = dead.stream()
          .filter(r -> "boom".equals(new String(r.key(), StandardCharsets.UTF_8))).findFirst().orElseThrow();
      DeadLetter undecodable = dls.deserialize("x", badRecord.value());
      assertThat(undecodable.getOriginalValue().toByteArray()).isEqualTo(poison);
      assertThat(undecodable.getSourceTopic()).isEqualTo("session.features");
      assertThat(undecodable.getReason()).startsWith("undecodable record: cannot parse whodrove.v1.SessionFeatures");
      assertThat(undecodable.getService()).isEqualTo("echo");
      assertThat(new String(badRecord.headers().lastHeader(DeadLetters.HEADER_REASON).value(),
          StandardCharsets.UTF_8)).contains("cannot parse");
      DeadLetter failed = dls.deserialize("x", boomRecord.value());
      assertThat(failed.getReason()).contains("cannot label user boom");
      assertThat(failed.getOriginalKey().toStringUtf8()).isEqualTo("boom");

      String metrics = get(base + "/metrics").body();
      assertThat(metrics).contains("kafka_stream").contains("jvm_memory_used_bytes").contains("service=\"echo\"");
      assertThat(service.readiness().ready()).isTrue();
    }
    assertThat(service.readiness().ready()).isFalse();
  }

  private static HttpResponse<String> get(String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<ConsumerRecord<byte[], byte[]>> readUntil(String topic,
      Predicate<ConsumerRecord<byte[], byte[]>> filter, int count) {
    List<ConsumerRecord<byte[], byte[]>> got =
        TopicReader.readCommitted(bootstrap, topic, filter, l -> l.size() >= count, Duration.ofSeconds(60));
    assertThat(got).as("records on %s", topic).hasSizeGreaterThanOrEqualTo(count);
    return got;
  }
}
