package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.sim.ProtoStreamWriter;
import dev.whodrove.testkit.AsciicastFixtures;
import dev.whodrove.testkit.AsciicastV3;
import dev.whodrove.testkit.GcsJsonApiServer;
import dev.whodrove.testkit.TopicReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Cloud Storage store with the real google-cloud-storage client against an in-process server speaking the JSON
 * API ({@link GcsJsonApiServer}): objects streamed whole and by range after a cut, the allowlist by whole path
 * segments, errors sorted into permanent and transient as for S3, the per-object deadline, and end to end through the
 * decoder service on an embedded broker of this class's own (the decoder's input topic has a fixed name, and the other
 * decoder tests count every reference on it).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GcsRecordingStoreIT {
  private static final String BUCKET = "rec";
  private static final String OTHER = "rec-other";

  private GcsJsonApiServer server;
  private GcsRecordingStore store;
  private EmbeddedKafkaBroker broker;

  @BeforeAll
  void start() throws IOException {
    server = new GcsJsonApiServer();
    store = store(Duration.ofSeconds(30));
  }

  @AfterAll
  void stop() {
    if (broker != null) {
      broker.close();
    }
    if (store != null) {
      store.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private GcsRecordingStore store(Duration deadline) {
    GcsRecordingStore.Settings s = settings(deadline);
    return new GcsRecordingStore(GcsRecordingStore.client(s), s.allowed(), s.deadline());
  }

  private GcsRecordingStore.Settings settings(Duration deadline) {
    // what DecoderConfig makes of the keys the README documents
    Map<String, String> cfg = Map.of(
        "decoder.store.gcs.allow", "gs://" + BUCKET + "/sessions/",
        "decoder.store.gcs.endpoint", server.endpoint(),
        "decoder.store.gcs.project", "whodrove-test",
        "decoder.store.gcs.max.attempts", "3",
        "decoder.store.read.timeout", deadline.toMillis() + "ms");
    GcsRecordingStore.Settings s = DecoderConfig.from(ServiceConfig.of(cfg)).gcs();
    assertThat(s.anonymous()).isTrue(); // a plain-http endpoint: nothing to authenticate to
    return s;
  }

  private static byte[] readAll(StoredObject o) throws IOException {
    try (o; InputStream in = o.stream()) {
      return in.readAllBytes();
    }
  }

  private static StoreException openFails(GcsRecordingStore s, String uri) {
    try {
      s.open(RecordingLocation.parse(uri)).close();
    } catch (StoreException e) {
      return e;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("opened " + uri);
  }

  @Test
  void streamsObjectsOfTheGenerationItsMetadataNamed() throws Exception {
    String sid = UUID.randomUUID().toString();
    // larger than one read of the client, so the object comes in several pieces
    byte[] rec = TestEvents.write(TestEvents.session(60_000, 3), ProtoStreamWriter.Options.defaults());
    assertThat(rec.length).isGreaterThan(2 * GcsRecordingStore.CHUNK_BYTES);
    long gen = server.put(BUCKET, "sessions/" + sid + ".tar", rec);

    StoredObject o = store.open(RecordingLocation.parse("gs://" + BUCKET + "/sessions/" + sid));
    assertThat(o.size()).isEqualTo(rec.length);
    assertThat(o.version()).isEqualTo(Long.toString(gen));
    assertThat(readAll(o)).isEqualTo(rec);

    List<GcsJsonApiServer.Request> reqs = server.requestsFor(BUCKET, "sessions/" + sid + ".tar");
    assertThat(reqs.get(0).media()).isFalse();
    assertThat(reqs.subList(1, reqs.size())).isNotEmpty().allSatisfy(r -> {
      assertThat(r.media()).isTrue();
      assertThat(r.query()).containsEntry("generation", Long.toString(gen));
    });

    // a v3 recording read through the store decodes as it does from bytes in memory
    byte[] cast = AsciicastV3.fromV2(AsciicastFixtures.named("h1").bytes());
    server.put(BUCKET, "sessions/cast-" + sid + ".cast", cast);
    List<RecordingEvent> viaStore = new ArrayList<>();
    List<RecordingEvent> local = new ArrayList<>();
    String uri = "gs://" + BUCKET + "/sessions/cast-" + sid + ".cast";
    try (StoredObject c = store.open(RecordingLocation.parse(uri))) {
      RecordingDecoder.Result r = new RecordingDecoder(RecordingDecoder.Settings.defaults())
          .decode(c.stream(), sid, uri, c.size(), viaStore::add);
      assertThat(r.ok()).isTrue();
      assertThat(r.complete().getFormat()).isEqualTo("asciicast-v3");
    }
    new RecordingDecoder(RecordingDecoder.Settings.defaults())
        .decode(new ByteArrayInputStream(cast), sid, uri, cast.length, local::add);
    assertThat(viaStore).isEqualTo(local);
  }

  @Test
  void aBodyCutShortIsResumedFromWhereItStopped() throws Exception {
    byte[] rec = TestEvents.write(TestEvents.session(5_000, 4), ProtoStreamWriter.Options.defaults());
    server.put(BUCKET, "sessions/cut.tar", rec);
    server.cutBodies(BUCKET, "sessions/cut.tar", 100_000, 1);
    assertThat(readAll(store.open(RecordingLocation.parse("gs://" + BUCKET + "/sessions/cut.tar")))).isEqualTo(rec);
    assertThat(server.requestsFor(BUCKET, "sessions/cut.tar")).extracting(GcsJsonApiServer.Request::range)
        .contains("bytes=100000-");
  }

  @Test
  void onlyAllowedBucketsAndWholePrefixSegmentsAreRead() {
    server.put(BUCKET, "sessions-x/a.tar", new byte[] {1});
    server.put(OTHER, "sessions/a.tar", new byte[] {1});
    int before = server.requests().size();
    assertThat(openFails(store, "gs://" + BUCKET + "/sessions-x/a.tar").getMessage())
        .isEqualTo("bucket/prefix not allowed: gs://" + BUCKET + "/sessions-x/a.tar");
    assertThat(openFails(store, "gs://" + OTHER + "/sessions/a.tar").reason()).isEqualTo("refused");
    assertThat(openFails(store, "gs://" + BUCKET + "/other/sessions/a.tar").reason()).isEqualTo("refused");
    assertThat(server.requests()).as("refused before any request").hasSize(before);
    try (GcsRecordingStore none = new GcsRecordingStore(GcsRecordingStore.client(settings(Duration.ofSeconds(5))),
        List.of(), Duration.ofSeconds(5))) {
      assertThat(openFails(none, "gs://" + BUCKET + "/sessions/a.tar").getMessage())
          .endsWith("(no GCS allowlist configured)");
    }
  }

  @Test
  void errorsArePermanentOrTransientAsForS3() throws Exception {
    StoreException missing = openFails(store, "gs://" + BUCKET + "/sessions/missing");
    assertThat(missing.isTransient()).isFalse();
    assertThat(missing.reason()).isEqualTo("not-found");
    assertThat(missing.getMessage()).isEqualTo("recording not found: gs://" + BUCKET + "/sessions/missing.tar");

    server.put(BUCKET, "sessions/denied.tar", new byte[] {1});
    for (int status : new int[] {401, 403}) {
      server.failNext(BUCKET, "sessions/denied.tar", status, 1);
      StoreException denied = openFails(store, "gs://" + BUCKET + "/sessions/denied.tar");
      assertThat(denied.kind()).isEqualTo(StoreException.Kind.ACCESS_DENIED); // retried: keys may be rotating
      assertThat(denied.reason()).isEqualTo("access-denied");
    }

    server.put(BUCKET, "sessions/bad.tar", new byte[] {1});
    server.failNext(BUCKET, "sessions/bad.tar", 400, 1);
    StoreException bad = openFails(store, "gs://" + BUCKET + "/sessions/bad.tar");
    assertThat(bad.isTransient()).isFalse();
    assertThat(bad.reason()).isEqualTo("store-error");

    // 5xx and 429 are retried by the client; what still fails after its attempts is transient
    server.put(BUCKET, "sessions/down.tar", new byte[] {1});
    for (int status : new int[] {503, 429}) {
      int before = server.requestsFor(BUCKET, "sessions/down.tar").size();
      server.failNext(BUCKET, "sessions/down.tar", status, 100);
      StoreException down = openFails(store, "gs://" + BUCKET + "/sessions/down.tar");
      assertThat(down.isTransient()).as("%d", status).isTrue();
      assertThat(down.getMessage()).startsWith("Cloud Storage " + status + " for gs://" + BUCKET + "/sessions/down.tar");
      assertThat(server.requestsFor(BUCKET, "sessions/down.tar").size() - before).isEqualTo(3);
    }
    server.failNext(BUCKET, "sessions/down.tar", 503, 1); // once: the client's retry gets it
    assertThat(readAll(store.open(RecordingLocation.parse("gs://" + BUCKET + "/sessions/down.tar"))))
        .containsExactly(1);

    // nothing listening: transient
    GcsRecordingStore.Settings s = settings(Duration.ofSeconds(5));
    GcsRecordingStore.Settings nowhere = new GcsRecordingStore.Settings(s.allowed(), "http://127.0.0.1:1", true, null,
        "whodrove-test", 1, s.deadline());
    try (GcsRecordingStore unreachable = new GcsRecordingStore(GcsRecordingStore.client(nowhere), s.allowed(),
        s.deadline())) {
      assertThat(openFails(unreachable, "gs://" + BUCKET + "/sessions/x.tar").isTransient()).isTrue();
    }
  }

  @Test
  void anObjectSlowerThanItsDeadlineFailsTransiently() throws Exception {
    byte[] rec = new byte[64 * 1024];
    server.put(BUCKET, "sessions/slow.tar", rec);
    server.slowBodies(BUCKET, "sessions/slow.tar", 50); // 64 KiB at 20 KiB/s: about 3 s
    try (GcsRecordingStore hurried = store(Duration.ofMillis(700))) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> readAll(hurried.open(RecordingLocation.parse("gs://" + BUCKET + "/sessions/slow.tar"))))
          .isInstanceOf(IOException.class)
          .hasMessage("reading gs://" + BUCKET + "/sessions/slow.tar took longer than its deadline of 700 ms");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    }
  }

  @Test
  void theServiceDecodesGsReferencesAndDeadLettersMissingOnes() throws Exception {
    broker = EmbeddedKafkaBroker.start();
    String good = UUID.randomUUID().toString();
    String missing = UUID.randomUUID().toString();
    byte[] rec = TestEvents.write(TestEvents.session(300, 7), ProtoStreamWriter.Options.defaults());
    server.put(BUCKET, "sessions/" + good + ".tar", rec);
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      Topics.ensureTopics(admin, List.of(Topics.TELEPORT_RECORDINGS), 2, (short) 1, Duration.ofSeconds(30));
    }
    String group = "decoder-gcs-it-" + UUID.randomUUID();
    Map<String, String> cfg = new HashMap<>();
    cfg.put("kafka.bootstrap.servers", broker.bootstrapServers());
    cfg.put("decoder.group.id", group);
    cfg.put("kafka.transactional.id", group + "-tx");
    cfg.put("http.port", "-1");
    cfg.put("topics.partitions", "2");
    cfg.put("decoder.store.gcs.allow", BUCKET + "/sessions");
    cfg.put("decoder.store.gcs.endpoint", server.endpoint());
    cfg.put("decoder.store.gcs.project", "whodrove-test");
    ServiceContext ctx = ServiceContext.create(RecordingDecoderService.NAME, ServiceConfig.of(cfg));
    try (ServiceHost host = ServiceHost.start(ctx, new RecordingDecoderService(ctx), -1)) {
      Map<String, String> uris = Map.of(good, "gs://" + BUCKET + "/sessions/" + good,
          missing, "gs://" + BUCKET + "/sessions/" + missing);
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
          new ByteArraySerializer())) {
        uris.forEach((sid, uri) -> producer.send(new ProducerRecord<>(Topics.TELEPORT_RECORDINGS.name(), sid,
            RecordingRef.newBuilder().setSessionId(sid).setUri(uri).setOrigin("session.upload").build()
                .toByteArray())));
      }
      Map<String, List<RecordingEvent>> bySession = new HashMap<>();
      Set<String> done = new HashSet<>();
      try (TopicReader events = TopicReader.committed(broker.bootstrapServers(),
          Topics.TELEPORT_RECORDING_EVENTS.name())) {
        events.pollUntil(r -> {
          if (uris.containsKey(TopicReader.key(r))) {
            RecordingEvent e = TopicReader.value(r, RecordingEvent.parser());
            bySession.computeIfAbsent(TopicReader.key(r), k -> new ArrayList<>()).add(e);
            if (e.hasComplete()) {
              done.add(TopicReader.key(r));
            }
          }
        }, () -> done.size() == 2, Duration.ofSeconds(60));
      }
      List<RecordingEvent> local = new ArrayList<>();
      new RecordingDecoder(RecordingDecoder.Settings.defaults())
          .decode(new ByteArrayInputStream(rec), good, uris.get(good), rec.length, local::add);
      assertThat(bySession.get(good)).isEqualTo(local);
      List<RecordingEvent> gone = bySession.get(missing);
      assertThat(gone.get(gone.size() - 1).getComplete().getParseError())
          .isEqualTo("recording not found: gs://" + BUCKET + "/sessions/" + missing + ".tar");
      try (TopicReader dlq = TopicReader.committed(broker.bootstrapServers(),
          Topics.TELEPORT_RECORDINGS.deadLetterTopic())) {
        Map<String, DeadLetter> letters = new HashMap<>();
        dlq.pollUntil(r -> {
          if (uris.containsKey(TopicReader.key(r))) {
            letters.put(TopicReader.key(r), TopicReader.value(r, DeadLetter.parser()));
          }
        }, () -> letters.containsKey(missing), Duration.ofSeconds(30));
        assertThat(letters.keySet()).containsExactly(missing);
        assertThat(letters.get(missing).getReason()).contains("recording not found: gs://");
      }
      assertThat(host.context().metrics().get("whodrove.decoder.errors").tag("reason", "not-found").counter()
          .count()).isEqualTo(1);
    }
  }
}
