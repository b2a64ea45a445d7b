package dev.whodrove.cli.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.kafka.embedded.EmbeddedKafkaCluster;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.sim.SimulatedDataset;
import dev.whodrove.sim.TeleportSimulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A zombie decoder: two decoder JVMs share the references on a 3-broker cluster; one is frozen (SIGSTOP) while it
 * holds an open transaction with events already written, and stays frozen past its transaction timeout and its group
 * session. The other takes its partitions and decodes every recording; the coordinator aborts the frozen one's
 * transaction. Resumed (SIGCONT), the zombie carries on where it stopped and is refused: a {@code read_committed}
 * reader sees each recording exactly once and nothing new after the resumption.
 */
class ZombieDecoderFaultIT {
  private static final int REFERENCES = 600;
  private static final String GROUP = "recording-decoder";
  private static final Duration TRANSACTION_TIMEOUT = Duration.ofSeconds(5);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp; // a failure leaves the services' logs behind

  @Test
  void aDecoderFrozenPastItsTransactionTimeoutIsFencedAndItsWorkIsDoneOnceByTheOther() throws Exception {
    long t0 = System.nanoTime();
    System.out.println("zombie decoder run in " + tmp);
    Map<String, Integer> profiles = new LinkedHashMap<>();
    TeleportSimulator.PROFILES.forEach(p -> profiles.put(p, 2));
    SimulatedDataset.Summary data = SimulatedDataset.write(tmp.resolve("data"), 5, profiles, Map.of());
    List<Path> recordings;
    try (Stream<Path> files = Files.list(data.recordsDir())) {
      recordings = files.filter(f -> f.toString().endsWith(".tar")).sorted().toList();
    }
    List<ServiceProcess> processes = new ArrayList<>();
    try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(3);
        AutoCloseable killAll = () -> processes.forEach(ServiceProcess::close);
        GroupWatch groups = new GroupWatch(cluster.bootstrapServers())) {
      String bootstrap = cluster.bootstrapServers();
      Admin admin = groups.admin();
      Topics.ensureTopics(admin, List.of(Topics.TELEPORT_RECORDINGS, Topics.TELEPORT_RECORDING_EVENTS,
          Topics.deadLetterOf(Topics.TELEPORT_RECORDINGS)), 6, (short) 3, 0, 2, Duration.ofSeconds(30));
      ServiceProcess zombie = ServiceProcess.start("recording-decoder", "decoder-a",
          config(bootstrap, data, "decoder-a"), tmp.resolve("logs"));
      processes.add(zombie);
      ServiceProcess other = ServiceProcess.start("recording-decoder", "decoder-b",
          config(bootstrap, data, "decoder-b"), tmp.resolve("logs"));
      processes.add(other);
      groups.awaitOwners(GROUP, Topics.TELEPORT_RECORDINGS.name(), 6, List.of("decoder-a", "decoder-b"),
          System.nanoTime(), Duration.ofSeconds(120));

      publishReferences(bootstrap, recordings);

      // freeze the zombie at a moment when it holds an open transaction whose events the brokers already have
      TransactionDescription frozen = null;
      for (int attempt = 0; attempt < 500 && frozen == null; attempt++) {
        zombie.pause();
        TransactionDescription d = describe(admin, "decoder-a");
        if (d != null && d.state() == TransactionState.ONGOING && d.topicPartitions().stream()
            .anyMatch(tp -> tp.topic().equals(Topics.TELEPORT_RECORDING_EVENTS.name()))) {
          frozen = d;
        } else {
          zombie.resume();
          Thread.sleep(ThreadLocalRandom.current().nextInt(5, 40));
        }
      }
      assertThat(frozen).as("decoder-a caught with an open transaction").isNotNull();
      TransactionDescription frozenTransaction = frozen;
      long frozenAt = System.nanoTime();
      System.out.println("[fault figure] zombie: decoder-a frozen (SIGSTOP) holding " + frozen);

      // both clocks run from the freeze: the group evicting the zombie, the coordinator aborting its transaction
      CompletableFuture<Duration> aborting = CompletableFuture.supplyAsync(() -> awaitAborted(admin, frozenTransaction,
          frozenAt), r -> new Thread(r, "abort-watch").start());
      Duration takeover = groups.awaitOwners(GROUP, Topics.TELEPORT_RECORDINGS.name(), 6, List.of("decoder-b"),
          frozenAt, Duration.ofSeconds(60));
      Duration aborted = aborting.get(60, TimeUnit.SECONDS);
      Map<String, Integer> completes = awaitEveryRecordingComplete(bootstrap, Duration.ofSeconds(120), other);
      assertThat(zombie.isAlive()).isTrue();
      long committedBefore = TopicAudit.readCommitted(bootstrap, Topics.TELEPORT_RECORDING_EVENTS.name()).size();

      long resumedAt = System.nanoTime();
      zombie.resume();
      // it carries on where it froze: its next write or commit meets the bumped epoch
      // refused by the bumped producer epoch, or by the group it no longer belongs to (when its own decode deadline
      // aborted the transaction first, the offset commit is what meets the refusal)
      boolean fenced = zombie.awaitLog(Duration.ofSeconds(30), "ProducerFencedException",
          "InvalidProducerEpochException", "consumer group metadata mismatch");
      assertThat(fenced).as("decoder-a refused after resuming:%n%s", zombie.tail(60)).isTrue();
      double fencedAfter = (System.nanoTime() - resumedAt) / 1e9;
      System.out.println("[fault figure] zombie: decoder-a after SIGCONT: "
          + zombie.firstLineWith("ProducerFencedException", "InvalidProducerEpochException",
          "consumer group metadata mismatch"));
      Thread.sleep(3_000); // room for anything it might still try to publish

      List<ConsumerRecord<byte[], byte[]>> committed = TopicAudit.readCommitted(bootstrap,
          Topics.TELEPORT_RECORDING_EVENTS.name());
      List<ConsumerRecord<byte[], byte[]>> all = TopicAudit.readUncommitted(bootstrap,
          Topics.TELEPORT_RECORDING_EVENTS.name());
      TopicAudit.Counts counts = TopicAudit.count(Topics.TELEPORT_RECORDING_EVENTS.name(), committed);
      assertThat(committed).as("nothing published after the zombie resumed").hasSize((int) committedBefore);
      assertThat(counts.duplicates()).as("events seen twice by a read_committed reader").isZero();
      assertThat(completeCounts(committed)).as("one RecordingComplete per reference").hasSize(REFERENCES)
          .allSatisfy((sid, n) -> assertThat(n).as(sid).isEqualTo(1)).isEqualTo(completes);
      assertThat(all.size()).as("the zombie's aborted writes are in the log, invisible to read_committed")
          .isGreaterThan(committed.size());
      System.out.printf("[fault figure] zombie: %d references, %d events committed, %d aborted records in the log; "
              + "decoder-b owned every partition %.1f s after the freeze, the coordinator aborted the zombie's "
              + "transaction after %.1f s (timeout %d s), the zombie was refused %.1f s after SIGCONT; "
              + "copies seen read_committed: %d; run %.1f s%n", REFERENCES, committed.size(),
          all.size() - committed.size(), takeover.toMillis() / 1000.0, aborted.toMillis() / 1000.0,
          TRANSACTION_TIMEOUT.toSeconds(), fencedAfter, counts.duplicates(), (System.nanoTime() - t0) / 1e9);
    }
  }

  private static Map<String, String> config(String bootstrap, SimulatedDataset.Summary data, String instance) {
    Map<String, String> c = new HashMap<>();
    c.put("kafka.bootstrap.servers", bootstrap);
    c.put("http.port", "-1");
    c.put("decoder.store.file.roots", data.recordsDir().toString());
    c.put("kafka.transactional.id", instance);
    c.put("kafka.client.id", instance);
    c.put("decoder.transaction.timeout", TRANSACTION_TIMEOUT.toSeconds() + "s");
    c.put("kafka.session.timeout.ms", "6000");
    c.put("kafka.heartbeat.interval.ms", "1500");
    c.put("topics.replication.factor", "3");
    c.put("topics.min.insync.replicas", "2");
    return c;
  }

  /** {@value #REFERENCES} references, keyed by their own session ids, to the simulated recordings in turn. */
  private static void publishReferences(String bootstrap, List<Path> recordings) throws Exception {
    Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      for (int i = 0; i < REFERENCES; i++) {
        Path tar = recordings.get(i % recordings.size());
        String sid = String.format("zombie-%04d", i);
        RecordingRef ref = RecordingRef.newBuilder().setSessionId(sid).setUri(tar.toUri().toString())
            .setOrigin("records-dir").setSizeBytes(Files.size(tar)).setDiscoveredAtMs(System.currentTimeMillis())
            .build();
        p.send(new ProducerRecord<>(Topics.TELEPORT_RECORDINGS.name(), sid.getBytes(StandardCharsets.UTF_8),
            ref.toByteArray()));
      }
      p.flush();
    }
  }

  private static TransactionDescription describe(Admin admin, String transactionalId) {
    try {
      return admin.describeTransactions(List.of(transactionalId)).all().get(10, TimeUnit.SECONDS)
          .get(transactionalId);
    } catch (Exception e) {
      return null; // not known yet
    }
  }

  /** Waits until the coordinator has ended the frozen transaction; it can only have aborted it. */
  private static Duration awaitAborted(Admin admin, TransactionDescription frozen, long since) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    TransactionDescription d = frozen;
    while (System.nanoTime() < deadline) {
      d = describe(admin, "decoder-a");
      if (d != null && d.state() != TransactionState.ONGOING) {
        assertThat(d.state()).as("the zombie's transaction").isIn(TransactionState.PREPARE_ABORT,
            TransactionState.COMPLETE_ABORT);
        return Duration.ofNanos(System.nanoTime() - since);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new AssertionError("the zombie's transaction was not aborted within 60 s: " + d);
  }

  /** Waits until every reference has its RecordingComplete visible to a read_committed reader. */
  private static Map<String, Integer> awaitEveryRecordingComplete(String bootstrap, Duration timeout,
      ServiceProcess decoder) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, Integer> completes = Map.of();
    while (System.nanoTime() < deadline) {
      completes = completeCounts(TopicAudit.readCommitted(bootstrap, Topics.TELEPORT_RECORDING_EVENTS.name()));
      if (completes.size() == REFERENCES) {
        return completes;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("only " + completes.size() + " of " + REFERENCES + " recordings complete within "
        + timeout.toSeconds() + " s\n" + decoder.tail(40));
  }

  private static Map<String, Integer> completeCounts(List<ConsumerRecord<byte[], byte[]>> records) {
    Map<String, Integer> n = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      try {
        RecordingEvent e = RecordingEvent.parseFrom(r.value());
        if (e.hasComplete()) {
          n.merge(e.getSessionId(), 1, Integer::sum);
        }
      } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
        throw new AssertionError("not a RecordingEvent at offset " + r.offset(), ex);
      }
    }
    return n;
  }
}
