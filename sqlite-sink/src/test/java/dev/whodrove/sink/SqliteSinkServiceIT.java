package dev.whodrove.sink;

import static dev.whodrove.sink.Verdicts.T0;
import static dev.whodrove.sink.Verdicts.label;
import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import dev.whodrove.runtime.DeadLetters;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.testkit.Await;
import dev.whodrove.testkit.TopicReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(EmbeddedKafkaExtension.class)
class SqliteSinkServiceIT {
  @TempDir
  Path dir;

  private final ProtobufSerde<SessionVerdict> serde = Topics.SESSION_LABELS.valueSerde();

  @Test
  void materializesVerdictsAndDeadLettersBadRecords(EmbeddedKafkaBroker broker) throws Exception {
    String topic = newTopic(broker);
    Path db = dir.resolve("sessions.sqlite");
    try (KafkaProducer<byte[], byte[]> producer = producer(broker, null)) {
      for (int i = 0; i < 60; i++) {
        send(producer, topic, Verdicts.teleport("t" + i, 1, 3, label("operator.type", "agent", "p1", T0)));
      }
      send(producer, topic, Verdicts.gcp("g1", label("operator.type", "human", "p1", T0)));
      send(producer, topic, Verdicts.labels("t0", label("operator.type", "human", "manual:alice", T0)));
      producer.send(new ProducerRecord<>(topic, "junk".getBytes(StandardCharsets.UTF_8),
          new byte[] {(byte) 0xff, 0x01, 0x02})).get();
      send(producer, topic, SessionVerdict.newBuilder().setStage("x").build());
      producer.flush();
    }
    try (KafkaProducer<byte[], byte[]> tx = producer(broker, "it-tx-" + UUID.randomUUID())) {
      tx.initTransactions();
      tx.beginTransaction();
      send(tx, topic, Verdicts.teleport("aborted", 1, 1));
      tx.flush();
      tx.abortTransaction();
    }
    try (ServiceHost host = startSink(broker, topic, db, "g-" + UUID.randomUUID(), VerdictBatchHandler.BatchHook.NONE)) {
      awaitCommitted(host, 64);
      try (SessionDatabase reader = SessionDatabase.openReadOnly(db)) {
        assertThat(reader.listSessions(LabelSelector.ALL)).hasSize(61);
        assertThat(reader.listSessions(LabelSelector.parse("operator.type=human")))
            .extracting(SessionSummary::sessionId).containsExactlyInAnyOrder("t0", "g1");
        assertThat(reader.showSession("aborted")).isEmpty();
        assertThat(count(reader, "notable_events")).isEqualTo(180);
      }
      assertThat(host.context().metrics().counter("whodrove.worker.dead.letters").count()).isEqualTo(2);
      assertThat(host.context().metrics().counter("whodrove.sink.rows.upserted").count()).isGreaterThan(0);
      assertThat(host.service().readiness().ready()).isTrue();
    }
    List<DeadLetter> dead = readDeadLetters(broker, topic + ".dlq", 2);
    assertThat(dead).extracting(DeadLetter::getReason)
        .anyMatch(r -> r.startsWith("cannot decode SessionVerdict"))
        .anyMatch(r -> r.equals("verdict without session_id"));
    assertThat(dead).allMatch(d -> d.getSourceTopic().equals(topic) && d.getService().equals("sqlite-sink"));
  }

  @Test
  void crashBetweenDbCommitAndOffsetCommitLosesNothingAndDuplicatesNothing(EmbeddedKafkaBroker broker)
      throws Exception {
    String topic = newTopic(broker);
    String group = "g-" + UUID.randomUUID();
    Path db = dir.resolve("sessions.sqlite");
    try (KafkaProducer<byte[], byte[]> producer = producer(broker, null)) {
      for (int i = 0; i < 40; i++) {
        send(producer, topic, Verdicts.teleport("s" + i, 1, 3, label("cadence.label", "opus-4.6", "cadence@v1", T0)));
      }
      producer.flush();
    }
    AtomicBoolean dbCommitted = new AtomicBoolean();
    VerdictBatchHandler.BatchHook crash = offsets -> {
      dbCommitted.set(true);
      throw new IllegalStateException("simulated crash after the sqlite commit");
    };
    try (ServiceHost host = startSink(broker, topic, db, group, crash)) {
      Await.until(() -> !host.service().readiness().ready()
          && host.service().readiness().detail().contains("simulated crash"), "sink to crash");
    }
    assertThat(dbCommitted).isTrue();
    long storedBeforeRestart;
    try (SessionDatabase reader = SessionDatabase.openReadOnly(db)) {
      storedBeforeRestart = reader.listSessions(LabelSelector.ALL).size();
      assertThat(storedBeforeRestart).isPositive();
    }
    assertThat(committedOffsets(broker, group)).isEmpty();

    try (ServiceHost host = startSink(broker, topic, db, group, VerdictBatchHandler.BatchHook.NONE)) {
      awaitCommitted(host, 40);
    }
    try (SessionDatabase store = SessionDatabase.open(db)) {
      assertThat(store.listSessions(LabelSelector.parse("cadence.label=opus-4.6"))).hasSize(40);
      assertThat(count(store, "notable_events")).isEqualTo(120);
      assertThat(count(store, "cadence_segments")).isEqualTo(80);
      assertThat(count(store, "session_labels")).isEqualTo(40);
      try (Statement st = store.connection().createStatement();
          ResultSet rs = st.executeQuery("SELECT max(n) FROM (SELECT count(*) n FROM notable_events GROUP BY "
              + "session_id, payload)")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
    }
  }

  @Test
  void aLockedDatabaseIsRetriedWithoutSkippingRecords(EmbeddedKafkaBroker broker) throws Exception {
    String topic = newTopic(broker);
    Path db = dir.resolve("sessions.sqlite");
    try (KafkaProducer<byte[], byte[]> producer = producer(broker, null);
        ServiceHost host = startSink(broker, topic, db, "g-" + UUID.randomUUID(), VerdictBatchHandler.BatchHook.NONE,
            Map.of(SinkConfig.BUSY_TIMEOUT, "50ms", SinkConfig.RETRY_BACKOFF_MAX, "200ms"))) {
      send(producer, topic, Verdicts.teleport("first", 1, 1));
      producer.flush();
      awaitCommitted(host, 1);
      // Another process holds the write lock (as sqlite3 or a second writer would).
      try (java.sql.Connection other = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
          Statement st = other.createStatement()) {
        st.execute("BEGIN IMMEDIATE");
        for (int i = 0; i < 20; i++) {
          send(producer, topic, Verdicts.teleport("late" + i, 1, 2));
        }
        producer.flush();
        Await.until(() -> host.context().metrics().counter("whodrove.worker.batch.retries").count() >= 2, "retries");
        assertThat(host.service().readiness().detail()).startsWith("retrying a batch");
        assertThat(host.context().metrics().counter("whodrove.worker.records.committed").count()).isEqualTo(1);
        st.execute("ROLLBACK");
      }
      awaitCommitted(host, 21);
    }
    try (SessionDatabase reader = SessionDatabase.openReadOnly(db)) {
      assertThat(reader.listSessions(LabelSelector.ALL)).hasSize(21);
      assertThat(count(reader, "notable_events")).isEqualTo(41);
    }
  }

  /**
   * The database turns read-only while the sink runs. Where the file system and privileges allow it, for real: the
   * immutable attribute ({@code chattr +i}) on the file, its WAL and its directory refuses writes to root as well,
   * and through descriptors already open (SQLite reports an I/O error, then {@code SQLITE_READONLY} once it has
   * reopened the file read-only). Elsewhere (no {@code CAP_LINUX_IMMUTABLE}, as in a default container, where root
   * ignores file modes) SQLite's {@code query_only} is switched on on the sink's connection before each attempt:
   * the {@code SQLITE_READONLY} is SQLite's own, the switch is a test hook. The report entry says which ran.
   */
  @Test
  void aDatabaseThatTurnsReadOnlyStopsTheSinkAndDeadLettersNothingThenItCatchesUp(EmbeddedKafkaBroker broker,
      TestReporter report) throws Exception {
    String topic = newTopic(broker);
    Path db = dir.resolve("sessions.sqlite");
    PragmaHook hook = new PragmaHook();
    try (KafkaProducer<byte[], byte[]> producer = producer(broker, null);
        ServiceHost host = startSink(broker, topic, db, "g-" + UUID.randomUUID(), hook,
            Map.of(SinkConfig.BUSY_TIMEOUT, "50ms", SinkConfig.RETRY_BACKOFF_MAX, "200ms"))) {
      for (int i = 0; i < 10; i++) {
        send(producer, topic, Verdicts.teleport("before" + i, 1, 3));
      }
      producer.flush();
      awaitCommitted(host, 10);
      try (ReadOnly readOnly = ReadOnly.make(db, hook)) {
        report.publishEntry("read-only by", readOnly.mechanism());
        for (int i = 0; i < 20; i++) {
          send(producer, topic, Verdicts.teleport("during" + i, 1, 3));
        }
        producer.flush();
        Await.until(() -> retries(host) >= 5 && !host.readiness().ready(), "the sink retrying, not ready");
        assertThat(host.readiness().detail()).startsWith("retrying a batch: cannot write " + db + ": ")
            .containsAnyOf("SQLITE_READONLY", "SQLITE_IOERR");
        assertThat(committed(host)).isEqualTo(10);
        assertNothingDeadLettered(host);
      }
      awaitCommitted(host, 30);
      Await.until(() -> host.readiness().ready(), "ready once the database is writable again");
      assertNothingDeadLettered(host);
    }
    assertAllStoredOnce(db, 30);
  }

  /**
   * The disk fills up: SQLite's {@code max_page_count}, set on the sink's connection to the pages the file has,
   * makes SQLite itself answer {@code SQLITE_FULL} as a full disk would; lifting it is the disk getting room.
   */
  @Test
  void aFullDatabaseStopsTheSinkAndDeadLettersNothingThenItCatchesUp(EmbeddedKafkaBroker broker) throws Exception {
    String topic = newTopic(broker);
    Path db = dir.resolve("sessions.sqlite");
    PragmaHook hook = new PragmaHook();
    try (KafkaProducer<byte[], byte[]> producer = producer(broker, null);
        ServiceHost host = startSink(broker, topic, db, "g-" + UUID.randomUUID(), hook,
            Map.of(SinkConfig.RETRY_BACKOFF_MAX, "200ms"))) {
      for (int i = 0; i < 10; i++) {
        send(producer, topic, Verdicts.teleport("before" + i, 1, 3));
      }
      producer.flush();
      awaitCommitted(host, 10);
      hook.pragma = "PRAGMA max_page_count = 1"; // SQLite keeps the current size: not one page more
      for (int i = 0; i < 40; i++) {
        send(producer, topic, Verdicts.teleport("during" + i, 1, 3, label("cadence.label", "opus-4.6",
            "cadence@v1", T0)));
      }
      producer.flush();
      Await.until(() -> retries(host) >= 5 && !host.readiness().ready(), "the sink retrying, not ready");
      assertThat(host.readiness().detail()).startsWith("retrying a batch: cannot write " + db + ": ")
          .contains("SQLITE_FULL");
      assertThat(committed(host)).isLessThan(50);
      assertNothingDeadLettered(host);
      hook.pragma = "PRAGMA max_page_count = 1073741823";
      awaitCommitted(host, 50);
      Await.until(() -> host.readiness().ready(), "ready once the disk has room");
      assertNothingDeadLettered(host);
    }
    assertAllStoredOnce(db, 50);
  }

  // --- helpers ---

  /** Runs a pragma on the sink's own connection before every attempt to write a batch. */
  private static final class PragmaHook implements VerdictBatchHandler.BatchHook {
    volatile String pragma;

    @Override
    public void afterDbCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

    @Override
    public void beforeApply(SessionDatabase store) throws SQLException {
      String p = pragma;
      if (p != null && store.connection() != null) {
        try (Statement st = store.connection().createStatement()) {
          st.execute(p);
        }
      }
    }
  }

  /** Makes the database unwritable until closed; see the read-only test for how. */
  private static final class ReadOnly implements AutoCloseable {
    private final List<Path> immutable;
    private final PragmaHook hook;

    private ReadOnly(List<Path> immutable, PragmaHook hook) {
      this.immutable = immutable;
      this.hook = hook;
    }

    static ReadOnly make(Path db, PragmaHook hook) throws Exception {
      List<Path> files = new ArrayList<>();
      for (Path p : List.of(db, db.resolveSibling(db.getFileName() + "-wal"), db.getParent())) {
        if (Files.exists(p)) {
          files.add(p);
        }
      }
      if (chattr("+i", files)) {
        return new ReadOnly(files, hook);
      }
      chattr("-i", files); // whatever part of it took
      hook.pragma = "PRAGMA query_only = 1";
      return new ReadOnly(List.of(), hook);
    }

    String mechanism() {
      return immutable.isEmpty() ? "SQLite query_only on the sink's connection (test hook)"
          : "immutable attribute on the file, its WAL and its directory (chattr +i)";
    }

    @Override
    public void close() throws Exception {
      if (immutable.isEmpty()) {
        hook.pragma = "PRAGMA query_only = 0";
      } else if (!chattr("-i", immutable)) {
        throw new IllegalStateException("cannot restore write access to " + immutable);
      }
    }

    private static boolean chattr(String flag, List<Path> files) throws InterruptedException {
      List<String> cmd = new ArrayList<>(List.of("chattr", flag));
      files.forEach(f -> cmd.add(f.toString()));
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
        return p.waitFor() == 0;
      } catch (IOException e) {
        return false; // no chattr here
      }
    }
  }

  private static double retries(ServiceHost host) {
    return host.context().metrics().counter("whodrove.worker.batch.retries").count();
  }

  private static double committed(ServiceHost host) {
    return host.context().metrics().counter("whodrove.worker.records.committed").count();
  }

  private static void assertNothingDeadLettered(ServiceHost host) {
    assertThat(host.context().metrics().counter("whodrove.worker.dead.letters").count()).isZero();
    assertThat(host.context().metrics().find("whodrove.worker.retries.exhausted").counters())
        .allSatisfy(c -> assertThat(c.count()).isZero());
  }

  /** Every one of {@code sessions} sessions is in the file, each with its 3 notable events exactly once. */
  private static void assertAllStoredOnce(Path db, int sessions) throws SQLException {
    try (SessionDatabase reader = SessionDatabase.openReadOnly(db)) {
      assertThat(reader.listSessions(LabelSelector.ALL)).hasSize(sessions);
      assertThat(count(reader, "notable_events")).isEqualTo(3L * sessions);
    }
  }

  private ServiceHost startSink(EmbeddedKafkaBroker broker, String topic, Path db, String group,
      VerdictBatchHandler.BatchHook hook) throws Exception {
    return startSink(broker, topic, db, group, hook, Map.of());
  }

  private ServiceHost startSink(EmbeddedKafkaBroker broker, String topic, Path db, String group,
      VerdictBatchHandler.BatchHook hook, Map<String, String> extra) throws Exception {
    Map<String, String> cfg = new HashMap<>();
    cfg.put("kafka.bootstrap.servers", broker.bootstrapServers());
    cfg.put("http.port", "-1");
    cfg.put(SinkConfig.TOPIC, topic);
    cfg.put(SinkConfig.DB_PATH, db.toString());
    cfg.put(SinkConfig.GROUP_ID, group);
    cfg.put(SinkConfig.BATCH_SIZE, "16");
    cfg.put(SinkConfig.BATCH_MAX_WAIT, "50ms");
    cfg.put("shutdown.timeout", "20s");
    cfg.putAll(extra);
    ServiceContext ctx = ServiceContext.create("sqlite-sink", ServiceConfig.of(cfg));
    return ServiceHost.start(ctx, new SqliteSinkService(ctx, hook), -1);
  }

  /** A fresh 3-partition topic, returned once every partition has a leader (producing earlier races the broker). */
  private static String newTopic(EmbeddedKafkaBroker broker) throws Exception {
    String topic = "it.labels." + UUID.randomUUID().toString().substring(0, 8);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
      Await.until(() -> {
        try {
          var d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
          return d.partitions().size() == 3 && d.partitions().stream().allMatch(p -> p.leader() != null);
        } catch (Exception e) {
          return false;
        }
      }, "leaders of " + topic);
    }
    return topic;
  }

  private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafkaBroker broker, String txId) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    if (txId != null) {
      p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txId);
    }
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private void send(KafkaProducer<byte[], byte[]> producer, String topic, SessionVerdict v) {
    producer.send(new ProducerRecord<>(topic, v.getSessionId().getBytes(StandardCharsets.UTF_8),
        serde.serialize(topic, v)));
  }

  private static Map<TopicPartition, OffsetAndMetadata> committedOffsets(EmbeddedKafkaBroker broker, String group)
      throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
          .get();
      Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
      m.forEach((tp, o) -> {
        if (o != null) {
          out.put(tp, o);
        }
      });
      return out;
    }
  }

  /** Waits until the sink has committed the offsets of {@code records} records. */
  private static void awaitCommitted(ServiceHost host, int records) throws InterruptedException {
    Await.until(() -> host.context().metrics().counter("whodrove.worker.records.committed").count() >= records,
        records + " records committed");
  }

  private List<DeadLetter> readDeadLetters(EmbeddedKafkaBroker broker, String topic, int expected) {
    ProtobufSerde<DeadLetter> dl = new ProtobufSerde<>(DeadLetter.getDefaultInstance());
    List<DeadLetter> out = new ArrayList<>();
    try (TopicReader reader = TopicReader.uncommitted(broker.bootstrapServers(), topic)) {
      reader.pollUntil(r -> {
        out.add(dl.deserialize(topic, r.value()));
        assertThat(new String(r.headers().lastHeader(DeadLetters.HEADER_SERVICE).value(), StandardCharsets.UTF_8))
            .isEqualTo("sqlite-sink");
      }, () -> out.size() >= expected, Duration.ofSeconds(20));
    }
    return out;
  }

  private static long count(SessionDatabase store, String table) throws SQLException {
    try (Statement st = store.connection().createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
