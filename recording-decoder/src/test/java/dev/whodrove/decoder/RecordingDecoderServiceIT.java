package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.sim.ProtoStreamWriter;
import dev.whodrove.testkit.TopicReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.HashSet;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * End to end against a real S3 API server (S3Proxy, in memory) and the embedded broker: references in, decoded
 * events and dead letters out, exactly once across a restart; a recording that stalls and one whose access is
 * refused are retried within their budgets, then dead-lettered while the references after them flow.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecordingDecoderServiceIT {
  private static final String BUCKET = "recordings";
  private static final String FORBIDDEN = "other-team";

  private S3Proxy s3proxy;
  private S3Client s3;
  private URI endpoint;

  @BeforeAll
  void startS3() throws Exception {
    s3proxy = startS3Proxy(memoryStore(), 0, null);
    endpoint = URI.create("http://127.0.0.1:" + s3proxy.getPort());
    s3 = S3RecordingStore.client(new S3RecordingStore.Settings("us-east-1", endpoint, true, "id", "secret", 3));
    s3.createBucket(CreateBucketRequest.builder().bucket(BUCKET).build());
    s3.createBucket(CreateBucketRequest.builder().bucket(FORBIDDEN).build());
  }

  @AfterAll
  void stopS3() throws Exception {
    if (s3 != null) {
      s3.close();
    }
    if (s3proxy != null) {
      s3proxy.stop();
    }
  }

  private static BlobStore memoryStore() {
    return ContextBuilder.newBuilder("transient").credentials("id", "unused").build(BlobStoreContext.class)
        .getBlobStore();
  }

  /** S3Proxy over {@code store} on {@code port} (0: any), requiring key {@code id}/{@code secret} (null: none). */
  private static S3Proxy startS3Proxy(BlobStore store, int port, String secret) throws Exception {
    S3Proxy proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:" + port))
        .awsAuthentication(secret == null ? AuthenticationType.NONE : AuthenticationType.AWS_V2_OR_V4,
            secret == null ? null : "id", secret)
        .build();
    proxy.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!"STARTED".equals(proxy.getState()) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return proxy;
  }

  private void put(String bucket, String key, byte[] bytes) {
    s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).build(), RequestBody.fromBytes(bytes));
  }

  private ServiceHost startService(EmbeddedKafkaBroker broker, String group) throws Exception {
    return startService(broker, group, Map.of());
  }

  private ServiceHost startService(EmbeddedKafkaBroker broker, String group, Map<String, String> overrides)
      throws Exception {
    Map<String, String> cfg = new HashMap<>();
    cfg.put("kafka.bootstrap.servers", broker.bootstrapServers());
    cfg.put("decoder.group.id", group);
    cfg.put("kafka.transactional.id", group + "-tx");
    cfg.put("http.port", "-1");
    cfg.put("topics.partitions", "2");
    cfg.put("decoder.store.s3.allow", BUCKET + "/sessions/");
    cfg.put("decoder.store.s3.endpoint", endpoint.toString());
    cfg.put("decoder.store.s3.access.key", "id");
    cfg.put("decoder.store.s3.secret.key", "secret");
    cfg.put("decoder.store.retry.initial", "100ms");
    cfg.putAll(overrides);
    ServiceContext ctx = ServiceContext.create(RecordingDecoderService.NAME, ServiceConfig.of(cfg));
    return ServiceHost.start(ctx, new RecordingDecoderService(ctx), -1);
  }

  @Test
  void decodesReferencesExactlyOnceWithDeadLettersForBadOnes(EmbeddedKafkaBroker broker) throws Exception {
    String good1 = UUID.randomUUID().toString();
    String good2 = UUID.randomUUID().toString();
    String corrupt = UUID.randomUUID().toString();
    String forbidden = UUID.randomUUID().toString();
    String missing = UUID.randomUUID().toString();
    String later = UUID.randomUUID().toString();

    byte[] rec1 = TestEvents.write(TestEvents.session(3000, 11), new ProtoStreamWriter.Options(8 * 1024, 12 * 1024, 1));
    byte[] rec2 = TestEvents.write(TestEvents.session(50, 12), ProtoStreamWriter.Options.defaults());
    byte[] good = TestEvents.write(TestEvents.session(20, 13), ProtoStreamWriter.Options.defaults());
    ByteArrayOutputStream bad = new ByteArrayOutputStream();
    bad.writeBytes(good);
    bad.writeBytes(new byte[] {0, 0, 0, 0, 0, 0, 0, 9}); // a part header with version 9
    bad.writeBytes(new byte[16]);
    byte[] rec6 = TestEvents.write(TestEvents.session(10, 14), ProtoStreamWriter.Options.defaults());
    put(BUCKET, "sessions/" + good1 + ".tar", rec1);
    put(BUCKET, "sessions/" + good2 + ".tar", rec2);
    put(BUCKET, "sessions/" + corrupt + ".tar", bad.toByteArray());
    put(FORBIDDEN, "sessions/" + forbidden + ".tar", rec2);
    put(BUCKET, "sessions/" + later + ".tar", rec6);

    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      // the input topic belongs to the ingest service; create it here as it would
      Topics.ensureTopics(admin, List.of(Topics.TELEPORT_RECORDINGS), 2, (short) 1, Duration.ofSeconds(30));
    }
    String group = "decoder-it-" + UUID.randomUUID();
    ServiceHost host = startService(broker, group);
    Map<String, RecordingRef> refs = new LinkedHashMap<>();
    // upload urls as Teleport writes them: no .tar suffix
    refs.put(good1, ref(good1, "s3://" + BUCKET + "/sessions/" + good1));
    refs.put(corrupt, ref(corrupt, "s3://" + BUCKET + "/sessions/" + corrupt));
    refs.put(forbidden, ref(forbidden, "s3://" + FORBIDDEN + "/sessions/" + forbidden));
    refs.put(missing, ref(missing, "s3://" + BUCKET + "/sessions/" + missing));
    refs.put(good2, ref(good2, "s3://" + BUCKET + "/sessions/" + good2 + ".tar"));
    produce(broker, refs);

    Map<String, List<RecordingEvent>> bySession = new HashMap<>();
    try (TopicReader events = TopicReader.committed(broker.bootstrapServers(),
        Topics.TELEPORT_RECORDING_EVENTS.name())) {
      readUntilComplete(events, bySession, refs.keySet());

      // the good recordings: exactly what a local decode of the same bytes gives, in order, once
      assertThat(bySession.get(good1)).isEqualTo(decodeLocally(rec1, good1, refs.get(good1).getUri()));
      assertThat(bySession.get(good2)).isEqualTo(decodeLocally(rec2, good2, refs.get(good2).getUri()));
      RecordingEvent complete1 = last(bySession.get(good1));
      assertThat(complete1.getComplete().getParseError()).isEmpty();
      assertThat(complete1.getComplete().getParts()).isGreaterThanOrEqualTo(3);
      assertThat(complete1.getComplete().getObjectSizeBytes()).isEqualTo(rec1.length);
      assertThat(complete1.getComplete().getPrintEvents()).isEqualTo(3000);

      // the corrupt one: its good events, then a RecordingComplete naming the problem
      RecordingEvent completeBad = last(bySession.get(corrupt));
      assertThat(completeBad.getComplete().getParseError())
          .isEqualTo("unsupported ProtoStream part version 9 at byte offset " + good.length + " (part 2)");
      // start, the 20 prints as one run, end, complete
      assertThat(bySession.get(corrupt)).extracting(RecordingEvent::getEventCase).containsExactly(
          RecordingEvent.EventCase.SESSION_START, RecordingEvent.EventCase.PRINTS, RecordingEvent.EventCase.SESSION_END,
          RecordingEvent.EventCase.COMPLETE);
      assertThat(bySession.get(corrupt).get(1).getPrints().getIndexesCount()).isEqualTo(20);
      assertThat(last(bySession.get(forbidden)).getComplete().getParseError())
          .startsWith("bucket/prefix not allowed: s3://" + FORBIDDEN + "/sessions/" + forbidden + ".tar");
      assertThat(last(bySession.get(missing)).getComplete().getParseError())
          .startsWith("recording not found: s3://" + BUCKET + "/sessions/" + missing + ".tar");

      try (TopicReader dlq = TopicReader.committed(broker.bootstrapServers(),
          Topics.TELEPORT_RECORDINGS.deadLetterTopic())) {
        Map<String, DeadLetter> letters = new HashMap<>();
        dlq.pollUntil(r -> {
          if (refs.containsKey(TopicReader.key(r))) { // the topic is shared with the other test
            letters.put(TopicReader.key(r), TopicReader.value(r, DeadLetter.parser()));
          }
        }, () -> letters.size() >= 3, Duration.ofSeconds(30));
        assertThat(letters.keySet()).containsExactlyInAnyOrder(corrupt, forbidden, missing);
        assertThat(letters.get(corrupt).getReason()).isEqualTo("decode failed: unsupported ProtoStream part "
            + "version 9 at byte offset " + good.length + " (part 2)");
        assertThat(letters.get(forbidden).getReason()).contains("bucket/prefix not allowed");
        assertThat(letters.get(missing).getReason()).contains("recording not found");
        assertThat(letters.get(corrupt).getOriginalValue().toByteArray()).isEqualTo(refs.get(corrupt).toByteArray());
        assertThat(letters.get(corrupt).getService()).isEqualTo(RecordingDecoderService.NAME);
        assertThat(letters.get(corrupt).getSourceTopic()).isEqualTo(Topics.TELEPORT_RECORDINGS.name());
      }
      var registry = host.context().metrics();
      assertThat(registry.get("whodrove.decoder.recordings").tag("outcome", "ok").counter().count()).isEqualTo(2);
      assertThat(registry.get("whodrove.decoder.recordings").tag("outcome", "failed").counter().count())
          .isEqualTo(3);
      assertThat(registry.get("whodrove.decoder.errors").tag("reason", "refused").counter().count()).isEqualTo(1);
      host.close();

      // a new instance of the same group resumes after the committed offsets: only the new reference is decoded
      ServiceHost second = startService(broker, group);
      try {
        produce(broker, Map.of(later, ref(later, "s3://" + BUCKET + "/sessions/" + later)));
        Map<String, List<RecordingEvent>> more = new HashMap<>();
        Set<String> all = new HashSet<>(refs.keySet());
        all.add(later);
        readUntilCompleteOf(events, more, all, later);
        assertThat(more.keySet()).containsExactly(later);
        assertThat(more.get(later)).isEqualTo(decodeLocally(rec6, later, "s3://" + BUCKET + "/sessions/" + later));
        for (ConsumerRecord<byte[], byte[]> r : events.poll(Duration.ofSeconds(1))) {
          assertThat(all).as("nothing re-decoded after the restart").doesNotContain(TopicReader.key(r));
        }
      } finally {
        second.close();
      }
    }
  }

  @Test
  void aStalledRecordingAndRefusedAccessAreRetriedWithinTheirBudgetsThenDeadLettered(EmbeddedKafkaBroker broker)
      throws Exception {
    // an S3 server whose key was rotated: the decoder still signs with the old secret and gets 403
    S3Proxy rotated = startS3Proxy(memoryStore(), 0, "rotated");
    URI rotatedEndpoint = URI.create("http://127.0.0.1:" + rotated.getPort());
    String denied = "denied-" + UUID.randomUUID();
    String stuck = "stuck-" + UUID.randomUUID();
    String after = "after-" + UUID.randomUUID();
    byte[] rec = TestEvents.write(TestEvents.session(50, 5), ProtoStreamWriter.Options.defaults());
    try (S3Client owner = S3RecordingStore.client(new S3RecordingStore.Settings("us-east-1", rotatedEndpoint, true,
        "id", "rotated", 1))) {
      owner.createBucket(CreateBucketRequest.builder().bucket("rotating").build());
      owner.putObject(PutObjectRequest.builder().bucket("rotating").key("sessions/" + denied + ".tar").build(),
          RequestBody.fromBytes(rec));
    }
    RecordingStore files = new RecordingStore() { // the stuck object never finishes arriving
      @Override
      public String scheme() {
        return "file";
      }

      @Override
      public StoredObject open(RecordingLocation location) throws StoreException {
        if (location.path().contains(stuck)) {
          return new StoredObject(new java.io.InputStream() {
            private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

            @Override
            public int read() throws java.io.IOException {
              try {
                closed.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              throw new java.io.IOException("stream closed");
            }

            @Override
            public void close() {
              closed.countDown();
            }
          }, rec.length, "v1");
        }
        if (location.path().contains(after)) {
          return new StoredObject(new ByteArrayInputStream(rec), rec.length, "v1");
        }
        throw StoreException.permanent("not-found", "recording not found: " + location);
      }
    };
    RecordingStores stores = new RecordingStores(List.of(files, new S3RecordingStore(S3RecordingStore.client(
        new S3RecordingStore.Settings("us-east-1", rotatedEndpoint, true, "id", "secret", 1)),
        List.of(S3RecordingStore.Allowed.parse("rotating/sessions")))));
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      Topics.ensureTopics(admin, List.of(Topics.TELEPORT_RECORDINGS), 2, (short) 1, Duration.ofSeconds(30));
    }
    String group = "decoder-budget-" + UUID.randomUUID();
    Map<String, String> cfg = new HashMap<>();
    cfg.put("kafka.bootstrap.servers", broker.bootstrapServers());
    cfg.put("decoder.group.id", group);
    cfg.put("kafka.transactional.id", group + "-tx");
    cfg.put("http.port", "-1");
    cfg.put(DecoderConfig.RETRY_INITIAL, "100ms");
    cfg.put(DecoderConfig.RETRY_MAX, "200ms");
    cfg.put(DecoderConfig.READ_TIMEOUT, "300ms");
    cfg.put(DecoderConfig.RETRY_BUDGET_PREFIX + "max.attempts", "2");
    cfg.put(DecoderConfig.RETRY_BUDGET_PREFIX + "auth.max.elapsed", "3s");
    ServiceContext ctx = ServiceContext.create(RecordingDecoderService.NAME, ServiceConfig.of(cfg));
    ServiceHost host = ServiceHost.start(ctx, new RecordingDecoderService(ctx, stores), -1);
    try (TopicReader events = TopicReader.committed(broker.bootstrapServers(),
        Topics.TELEPORT_RECORDING_EVENTS.name())) {
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
          new ByteArraySerializer())) {
        String topic = Topics.TELEPORT_RECORDINGS.name();
        producer.send(new ProducerRecord<>(topic, 0, stuck, ref(stuck, "file:///records/" + stuck).toByteArray()));
        producer.send(new ProducerRecord<>(topic, 0, after, ref(after, "file:///records/" + after).toByteArray()));
        producer.send(new ProducerRecord<>(topic, 1, denied, ref(denied, "s3://rotating/sessions/" + denied)
            .toByteArray()));
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      String seen = "";
      while (!seen.contains("access refused for " + Topics.TELEPORT_RECORDINGS.name() + "-1@")
          && System.nanoTime() < deadline) {
        seen = host.readiness().ready() ? "" : host.readiness().detail();
        Thread.sleep(20);
      }
      assertThat(seen).as("not ready while access is refused").contains("S3 403");

      Map<String, List<RecordingEvent>> got = new HashMap<>();
      readUntilComplete(events, got, Set.of(stuck, after, denied));
      assertThat(got.get(after)).isEqualTo(decodeLocally(rec, after, "file:///records/" + after));
      assertThat(got.get(stuck)).singleElement().satisfies(e -> assertThat(e.getComplete().getParseError())
          .startsWith("still failing after 2 attempts over ")
          .contains("took longer than the read timeout of 300ms (decoder.store.read.timeout)"));
      assertThat(got.get(denied)).singleElement().satisfies(e -> assertThat(e.getComplete().getParseError())
          .startsWith("access still refused after ").contains("retry budget 3s", "S3 403"));
      try (TopicReader dlq = TopicReader.committed(broker.bootstrapServers(),
          Topics.TELEPORT_RECORDINGS.deadLetterTopic())) {
        Map<String, DeadLetter> letters = new HashMap<>();
        dlq.pollUntil(r -> {
          if (Set.of(stuck, denied, after).contains(TopicReader.key(r))) {
            letters.put(TopicReader.key(r), TopicReader.value(r, DeadLetter.parser()));
          }
        }, () -> letters.size() >= 2, Duration.ofSeconds(30));
        assertThat(letters.keySet()).containsExactlyInAnyOrder(stuck, denied);
        assertThat(letters.get(stuck).getReason()).startsWith("still failing after 2 attempts");
        assertThat(letters.get(denied).getReason()).startsWith("access still refused after");
      }
      var metrics = ctx.metrics();
      assertThat(metrics.get("whodrove.worker.retries.exhausted").tag("blame", "record").counter().count())
          .isEqualTo(1);
      assertThat(metrics.get("whodrove.worker.retries.exhausted").tag("blame", "auth").counter().count())
          .isEqualTo(1);
      long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!host.readiness().ready() && System.nanoTime() < until) {
        Thread.sleep(20);
      }
      assertThat(host.readiness().ready()).as("ready again: %s", host.readiness().detail()).isTrue();
    } finally {
      host.close();
      rotated.stop();
    }
  }

  /**
   * S3 refuses the decoder's key (403, as while keys rotate), then accepts it again: the recording waits, the service
   * says why it is not ready, and once access is back the recording is decoded once and nothing is dead-lettered.
   */
  @Test
  void accessRefusedThenRestoredDecodesTheRecordingOnce(EmbeddedKafkaBroker broker) throws Exception {
    BlobStore store = memoryStore();
    S3Proxy refusing = startS3Proxy(store, 0, "next");
    int port = refusing.getPort();
    URI s3Endpoint = URI.create("http://127.0.0.1:" + port);
    String sid = "restored-" + UUID.randomUUID();
    String uri = "s3://restoring/sessions/" + sid; // a bucket the other tests' decoders refuse
    byte[] rec = TestEvents.write(TestEvents.session(50, 15), ProtoStreamWriter.Options.defaults());
    try (S3Client owner = S3RecordingStore.client(new S3RecordingStore.Settings("us-east-1", s3Endpoint, true,
        "id", "next", 1))) {
      owner.createBucket(CreateBucketRequest.builder().bucket("restoring").build());
      owner.putObject(PutObjectRequest.builder().bucket("restoring").key("sessions/" + sid + ".tar").build(),
          RequestBody.fromBytes(rec));
    }
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      Topics.ensureTopics(admin, List.of(Topics.TELEPORT_RECORDINGS), 2, (short) 1, Duration.ofSeconds(30));
    }
    ServiceHost host = startService(broker, "decoder-restored-" + UUID.randomUUID(), Map.of(
        "decoder.store.s3.endpoint", s3Endpoint.toString(), "decoder.store.s3.allow", "restoring/sessions/",
        DecoderConfig.RETRY_MAX, "200ms"));
    S3Proxy accepting = null;
    try (TopicReader events = TopicReader.committed(broker.bootstrapServers(),
        Topics.TELEPORT_RECORDING_EVENTS.name())) {
      produce(broker, Map.of(sid, ref(sid, uri)));
      awaitReadiness(host, false, "S3 403");
      refusing.stop();
      accepting = startS3Proxy(store, port, "secret"); // the same objects; the decoder's key is valid again

      Map<String, List<RecordingEvent>> got = new HashMap<>();
      readUntilComplete(events, got, Set.of(sid));
      assertThat(got.get(sid)).isEqualTo(decodeLocally(rec, sid, uri));
      awaitReadiness(host, true, "");
      assertThat(deadLettersOf(broker, sid, Duration.ofSeconds(2))).isEmpty();
      assertThat(host.context().metrics().find("whodrove.worker.retries.exhausted").counters())
          .allSatisfy(c -> assertThat(c.count()).isZero());
    } finally {
      host.close();
      refusing.stop();
      if (accepting != null) {
        accepting.stop();
      }
    }
  }

  /**
   * An S3 body that trickles (10 KiB/s through a proxy) past the read timeout: each attempt is cut off at the
   * deadline, nothing of it becomes visible, and once its budget is spent the recording is dead-lettered while a small
   * recording through the same slow link is decoded.
   */
  @Test
  void anS3BodySlowerThanTheReadTimeoutIsCutOffRetriedThenDeadLettered(EmbeddedKafkaBroker broker) throws Exception {
    String slow = "slow-" + UUID.randomUUID();
    String quick = "quick-" + UUID.randomUUID();
    byte[] big = TestEvents.write(TestEvents.session(3000, 16), ProtoStreamWriter.Options.defaults());
    byte[] small = TestEvents.write(TestEvents.session(5, 17), ProtoStreamWriter.Options.defaults());
    assertThat(big.length).as("takes seconds at 10 KiB/s").isGreaterThan(30 * 1024);
    // under a prefix of their own: this decoder refuses the other tests' references (the topic is shared) at once
    put(BUCKET, "slow/" + slow + ".tar", big);
    put(BUCKET, "slow/" + quick + ".tar", small);
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      Topics.ensureTopics(admin, List.of(Topics.TELEPORT_RECORDINGS), 2, (short) 1, Duration.ofSeconds(30));
    }
    try (TrickleProxy link = new TrickleProxy(new java.net.InetSocketAddress("127.0.0.1", s3proxy.getPort()),
        1024, 100)) {
      ServiceHost host = startService(broker, "decoder-slow-" + UUID.randomUUID(), Map.of(
          "decoder.store.s3.endpoint", "http://127.0.0.1:" + link.port(), "decoder.store.s3.allow", BUCKET + "/slow/",
          DecoderConfig.READ_TIMEOUT, "1s",
          DecoderConfig.RETRY_MAX, "200ms", DecoderConfig.RETRY_BUDGET_PREFIX + "max.attempts", "2"));
      try (TopicReader events = TopicReader.committed(broker.bootstrapServers(),
          Topics.TELEPORT_RECORDING_EVENTS.name())) {
        Map<String, RecordingRef> refs = new LinkedHashMap<>();
        refs.put(slow, ref(slow, "s3://" + BUCKET + "/slow/" + slow));
        refs.put(quick, ref(quick, "s3://" + BUCKET + "/slow/" + quick));
        produce(broker, refs);
        Map<String, List<RecordingEvent>> got = new HashMap<>();
        readUntilComplete(events, got, refs.keySet());
        assertThat(got.get(quick)).isEqualTo(decodeLocally(small, quick, refs.get(quick).getUri()));
        assertThat(got.get(slow)).singleElement().satisfies(e -> assertThat(e.getComplete().getParseError())
            .startsWith("still failing after 2 attempts over ")
            .contains("took longer than the read timeout of 1s (decoder.store.read.timeout)"));
        assertThat(deadLettersOf(broker, slow, Duration.ofSeconds(30))).singleElement()
            .satisfies(d -> assertThat(d.getReason()).startsWith("still failing after 2 attempts"));
      } finally {
        host.close();
      }
    }
  }

  private static void awaitReadiness(ServiceHost host, boolean ready, String detail) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (host.readiness().ready() == ready && host.readiness().detail().contains(detail)) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("readiness never became " + ready + " with '" + detail + "': "
        + host.readiness().detail());
  }

  /** Dead letters of one session: waits up to {@code wait} for the first, then takes what has arrived. */
  private static List<DeadLetter> deadLettersOf(EmbeddedKafkaBroker broker, String sid, Duration wait) {
    List<DeadLetter> letters = new ArrayList<>();
    try (TopicReader dlq = TopicReader.committed(broker.bootstrapServers(),
        Topics.TELEPORT_RECORDINGS.deadLetterTopic())) {
      dlq.pollUntil(r -> {
        if (sid.equals(TopicReader.key(r))) {
          letters.add(TopicReader.value(r, DeadLetter.parser()));
        }
      }, () -> !letters.isEmpty(), wait);
    }
    return letters;
  }

  private static RecordingRef ref(String sid, String uri) {
    return RecordingRef.newBuilder().setSessionId(sid).setUri(uri).setOrigin("session.upload").build();
  }

  private static RecordingEvent last(List<RecordingEvent> events) {
    return events.get(events.size() - 1);
  }

  private static List<RecordingEvent> decodeLocally(byte[] rec, String sid, String uri) throws Exception {
    List<RecordingEvent> out = new ArrayList<>();
    new RecordingDecoder(RecordingDecoder.Settings.defaults())
        .decode(new ByteArrayInputStream(rec), sid, uri, rec.length, out::add);
    return out;
  }

  private static void produce(EmbeddedKafkaBroker broker, Map<String, RecordingRef> refs) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
        new ByteArraySerializer())) {
      refs.forEach((sid, ref) -> producer.send(new ProducerRecord<>(Topics.TELEPORT_RECORDINGS.name(), sid,
          ref.toByteArray())));
    }
  }

  /**
   * Reads until every session in {@code sids} has its RecordingComplete, ignoring other sessions (other tests share
   * the topic); nothing may follow a session's complete.
   */
  private static void readUntilComplete(TopicReader reader, Map<String, List<RecordingEvent>> bySession,
      Set<String> sids) {
    Set<String> done = new HashSet<>();
    reader.pollUntil(r -> {
      String key = TopicReader.key(r);
      if (!sids.contains(key)) {
        return;
      }
      RecordingEvent e = TopicReader.value(r, RecordingEvent.parser());
      assertThat(e.getSessionId()).isEqualTo(key);
      List<RecordingEvent> list = bySession.computeIfAbsent(key, k -> new ArrayList<>());
      assertThat(list.isEmpty() || !last(list).hasComplete()).as("events after the complete of %s", key).isTrue();
      list.add(e);
      if (e.hasComplete()) {
        done.add(key);
      }
    }, () -> done.containsAll(sids), Duration.ofSeconds(60));
    assertThat(done).as("recording completes").containsExactlyInAnyOrderElementsOf(sids);
  }

  /** Like {@link #readUntilComplete} for {@code wanted}, collecting (and so exposing) any event of {@code watch}. */
  private static void readUntilCompleteOf(TopicReader reader, Map<String, List<RecordingEvent>> bySession,
      Set<String> watch, String wanted) {
    boolean complete = reader.pollUntil(r -> {
      String key = TopicReader.key(r);
      if (watch.contains(key)) {
        bySession.computeIfAbsent(key, k -> new ArrayList<>()).add(TopicReader.value(r, RecordingEvent.parser()));
      }
    }, () -> bySession.containsKey(wanted) && last(bySession.get(wanted)).hasComplete(), Duration.ofSeconds(60));
    if (!complete) {
      throw new AssertionError("no RecordingComplete for " + wanted);
    }
  }

  @Test
  void transientFailuresAreRetriedAndAbortedAttemptsStayInvisible(EmbeddedKafkaBroker broker) throws Exception {
    String sid = UUID.randomUUID().toString();
    byte[] rec = TestEvents.write(TestEvents.session(2000, 21), new ProtoStreamWriter.Options(4 * 1024, 0, 1));
    int[] opens = {0};
    RecordingStore flaky = new RecordingStore() {
      @Override
      public String scheme() {
        return "file";
      }

      @Override
      public StoredObject open(RecordingLocation location) throws StoreException {
        opens[0]++;
        if (opens[0] == 1) {
          throw StoreException.transientFailure("simulated outage", null);
        }
        if (opens[0] == 2) { // the connection drops after half the object: some events were already sent
          return new StoredObject(new java.io.FilterInputStream(new ByteArrayInputStream(rec, 0, rec.length / 2)) {
            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
              int n = super.read(b, off, len);
              if (n < 0) {
                throw new java.io.IOException("connection reset");
              }
              return n;
            }
          }, rec.length, "v1");
        }
        return new StoredObject(new ByteArrayInputStream(rec), rec.length, "v1");
      }
    };
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      Topics.ensureTopics(admin, List.of(Topics.TELEPORT_RECORDINGS), 2, (short) 1, Duration.ofSeconds(30));
    }
    String group = "decoder-flaky-" + UUID.randomUUID();
    Map<String, String> cfg = new HashMap<>();
    cfg.put("kafka.bootstrap.servers", broker.bootstrapServers());
    cfg.put("decoder.group.id", group);
    cfg.put("kafka.transactional.id", group + "-tx");
    cfg.put("http.port", "-1");
    cfg.put("decoder.store.retry.initial", "100ms");
    ServiceContext ctx = ServiceContext.create(RecordingDecoderService.NAME, ServiceConfig.of(cfg));
    ServiceHost host = ServiceHost.start(ctx,
        new RecordingDecoderService(ctx, new RecordingStores(List.of(flaky))), -1);
    try (TopicReader events = TopicReader.committed(broker.bootstrapServers(),
        Topics.TELEPORT_RECORDING_EVENTS.name())) {
      String uri = "file:///records/" + sid;
      produce(broker, Map.of(sid, ref(sid, uri)));
      Map<String, List<RecordingEvent>> got = new HashMap<>();
      readUntilComplete(events, got, Set.of(sid));
      assertThat(opens[0]).isEqualTo(3);
      assertThat(got.get(sid)).isEqualTo(decodeLocally(rec, sid, uri)); // the half-sent attempt left no trace
      assertThat(ctx.metrics().get("whodrove.worker.batch.retries").counter().count()).isEqualTo(2);
    } finally {
      host.close();
    }
  }
}
