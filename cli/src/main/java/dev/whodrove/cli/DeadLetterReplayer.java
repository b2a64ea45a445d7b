package dev.whodrove.cli;

import dev.whodrove.runtime.DeadLetterReentry;
import dev.whodrove.runtime.DeadLetterReentry.NotReenterable;
import dev.whodrove.runtime.DeadLetterReentry.Outcome;
import dev.whodrove.runtime.DeadLetterReentry.Result;
import dev.whodrove.runtime.DeadLetters;
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.MessageLimits;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceFactory;
import dev.whodrove.runtime.TransactionalProducers;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.DeadLetterReplay;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Re-submits the dead letters of one topic so they are processed again, once what made them fail is fixed.
 *
 * <ul>
 *   <li>A dead letter of a Kafka record goes back to its {@code source_topic} with the original key and value (and a
 *       {@value #HEADER_REPLAY_OF} header naming the dead letter).
 *   <li>A dead letter of input read outside Kafka goes back in through the input path of the service that wrote it
 *       ({@link ServiceFactory#reentry}): parsed and validated as before, published to that service's output, or a
 *       fresh dead letter if it is still bad.
 *   <li>Skipped, counted and said why: an original kept only in part (truncated) or not matching its digest, a
 *       source topic that no longer exists, a source no service reads, and what the replay ledger says was replayed
 *       already (unless {@code again}).
 * </ul>
 *
 * Writing is transactional: every batch of up to {@value #BATCH} dead letters — what they publish, the fresh dead
 * letters, and their entries in the replay ledger ({@link Topics#DLQ_REPLAYS}) — commits together or not at all, with
 * {@code acks=all}. The transactional id is fixed per dead-letter topic, so a second replay of the same topic started
 * meanwhile fences the first; the ledger is read after that, so two replays never both send a dead letter.
 */
final class DeadLetterReplayer {
  /** Header on a record published again: {@code <dead-letter topic>/<partition>@<offset>}. */
  static final String HEADER_REPLAY_OF = "whodrove.replay.of";
  /** Prefix of the transactional id, followed by the dead-letter topic. */
  static final String TRANSACTIONAL_ID_PREFIX = "whodrove-dlq-replay-";
  static final int BATCH = 100;

  /** Which dead letters to replay. */
  record Filter(String reasonSubstring, Instant since) {
    boolean matches(DeadLetterEntry e) {
      if (reasonSubstring != null && !e.deadLetter().getReason().toLowerCase(Locale.ROOT)
          .contains(reasonSubstring.toLowerCase(Locale.ROOT))) {
        return false;
      }
      return since == null || e.deadLetter().getFailedAtMs() >= since.toEpochMilli();
    }
  }

  /** What is done with one dead letter. */
  private sealed interface Plan permits Skip, Republish, Reenter {}

  private record Skip(String category, String why) implements Plan {}

  private record Republish(String topic, byte[] key, byte[] value) implements Plan {}

  private record Reenter(DeadLetterReentry reentry, String route) implements Plan {}

  private record Pending(DeadLetterEntry entry, Plan plan) {}

  /** The counts a replay ends with. */
  static final class Summary {
    int matched;
    /** "published → topic", "dead-lettered again → topic", "nothing to publish (why)" → count. */
    final Map<String, Integer> resubmitted = new LinkedHashMap<>();
    /** Skip category → count. */
    final Map<String, Integer> skipped = new LinkedHashMap<>();

    int resubmittedTotal() {
      return resubmitted.values().stream().mapToInt(Integer::intValue).sum();
    }

    int skippedTotal() {
      return skipped.values().stream().mapToInt(Integer::intValue).sum();
    }

    void print(PrintStream out, String topic, boolean dryRun) {
      out.printf("%s%s: %d dead letter(s) matched%n", dryRun ? "dry run, nothing written — " : "", topic, matched);
      out.printf("  %s %d%n", dryRun ? "would re-submit" : "re-submitted", resubmittedTotal());
      resubmitted.forEach((k, n) -> out.printf("    %-60s %d%n", k, n));
      out.printf("  skipped %d%n", skippedTotal());
      skipped.forEach((k, n) -> out.printf("    %-60s %d%n", k, n));
    }
  }

  static final String SKIP_REPLAYED = "already replayed (--again to replay anyway)";
  static final String SKIP_TRUNCATED = "truncated: the original was not kept whole";
  static final String SKIP_CORRUPT = "corrupt: the original does not match its SHA-256";
  static final String SKIP_NO_ORIGINAL = "no original value kept";
  static final String SKIP_NO_TOPIC = "source topic does not exist";
  static final String SKIP_NO_PATH = "no way back in for its source";

  private final ServiceConfig config;
  private final String topic;
  private final Filter filter;
  private final boolean again;
  private final Producer<byte[], byte[]> producer;
  private final Set<String> topicsOnCluster;
  private final Set<String> replayed;
  private final String replayedBy;
  private final PrintStream out;
  private final ProtobufSerde<DeadLetter> deadLetterSerde;
  private final ProtobufSerde<DeadLetterReplay> ledgerSerde;
  private final Map<String, Optional<DeadLetterReentry>> reentries = new HashMap<>();
  private final Summary summary = new Summary();
  private final List<Pending> batch = new ArrayList<>();

  private DeadLetterReplayer(ServiceConfig config, String topic, Filter filter, boolean again,
      Producer<byte[], byte[]> producer, Set<String> topicsOnCluster, Set<String> replayed, String replayedBy,
      PrintStream out) {
    this.config = config;
    this.topic = topic;
    this.filter = filter;
    this.again = again;
    this.producer = producer;
    this.topicsOnCluster = topicsOnCluster;
    this.replayed = replayed;
    this.replayedBy = replayedBy;
    this.out = out;
    this.deadLetterSerde = DlqCommand.deadLetterSerde(config);
    this.ledgerSerde = Topics.DLQ_REPLAYS.valueSerde(config.serdeProperties());
  }

  /**
   * Replays the matching dead letters of {@code topic} (which must exist), or with {@code dryRun} says what a
   * replay would do without writing anything.
   *
   * @param topicsOnCluster the cluster's topics, read just before
   */
  static Summary run(ServiceConfig config, String topic, Filter filter, boolean dryRun, boolean again,
      Set<String> topicsOnCluster, PrintStream out) {
    Map<String, Object> clientProps = config.kafkaClientProperties();
    String replayedBy = replayedBy(config);
    if (dryRun) {
      Set<String> replayed = ReplayLedger.read(clientProps, topicsOnCluster.contains(Topics.DLQ_REPLAYS.name()));
      DeadLetterReplayer r = new DeadLetterReplayer(config, topic, filter, again, null, topicsOnCluster, replayed,
          replayedBy, out);
      return r.readAll(clientProps, true);
    }
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties(config, topic),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      // fences a replay of the same topic still running; from here on, the ledger can only grow by this one
      producer.initTransactions();
      Set<String> replayed = ReplayLedger.read(clientProps, true);
      DeadLetterReplayer r = new DeadLetterReplayer(config, topic, filter, again, producer, topicsOnCluster, replayed,
          replayedBy, out);
      return r.readAll(clientProps, false);
    }
  }

  static Map<String, Object> producerProperties(ServiceConfig config, String topic) {
    Map<String, Object> p = MessageLimits.from(config).producerProperties(config.kafkaClientProperties());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TRANSACTIONAL_ID_PREFIX + topic);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.CLIENT_ID_CONFIG, TRANSACTIONAL_ID_PREFIX + topic);
    p.putIfAbsent(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, TransactionalProducers.RETRY_BACKOFF_MS);
    p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    return p;
  }

  /** Who runs the replay, for the ledger; empty when the configuration names nobody. */
  private static String replayedBy(ServiceConfig config) {
    try {
      return OperatorIdentity.from(config).name();
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  private Summary readAll(Map<String, Object> clientProps, boolean dryRun) {
    BoundedTopicReader.read(clientProps, List.of(topic), filter.since(), r -> {
      DeadLetterEntry e = DeadLetterEntry.decode(r, deadLetterSerde);
      if (!filter.matches(e)) {
        return;
      }
      summary.matched++;
      Plan plan = plan(e);
      if (plan instanceof Skip s) {
        summary.skipped.merge(s.category(), 1, Integer::sum);
        if (!s.category().equals(SKIP_REPLAYED) || dryRun) {
          out.printf("%s skipped: %s%n", e.position(), s.why());
        }
        return;
      }
      if (dryRun) {
        String where = plan instanceof Republish p ? "re-publish to " + p.topic()
            : "re-enter through " + ((Reenter) plan).route();
        out.printf("%s would %s%n", e.position(), where);
        summary.resubmitted.merge(where, 1, Integer::sum);
        return;
      }
      batch.add(new Pending(e, plan));
      if (batch.size() >= BATCH) {
        commit();
      }
    });
    if (!dryRun) {
      commit();
    }
    return summary;
  }

  private Plan plan(DeadLetterEntry e) {
    DeadLetter dl = e.deadLetter();
    if (!again && replayed.contains(e.ledgerKey())) {
      return new Skip(SKIP_REPLAYED, "replayed before (see " + Topics.DLQ_REPLAYS.name() + ")");
    }
    Optional<String> notWhole = DeadLetters.whyNotWhole(dl);
    if (notWhole.isPresent()) {
      return new Skip(notWhole.get().startsWith("truncated") ? SKIP_TRUNCATED : SKIP_CORRUPT,
          notWhole.get() + "; it can never be replayed");
    }
    byte[] value = DeadLetters.originalValue(dl);
    if (value == null) {
      return new Skip(SKIP_NO_ORIGINAL, "the dead letter keeps no original value (a tombstone is not replayed)");
    }
    if (e.kafkaSourced()) {
      if (!topicsOnCluster.contains(dl.getSourceTopic())) {
        return new Skip(SKIP_NO_TOPIC, "its source topic " + dl.getSourceTopic() + " does not exist");
      }
      return new Republish(dl.getSourceTopic(), DeadLetters.originalKey(dl), value);
    }
    Optional<DeadLetterReentry> reentry = reentries.computeIfAbsent(dl.getService(),
        s -> ServiceFactory.named(s).flatMap(f -> f.reentry(config, producer)));
    if (reentry.isEmpty()) {
      return new Skip(SKIP_NO_PATH, "service '" + dl.getService() + "' has no input path outside Kafka to take "
          + "back its '" + dl.getSource().getSource() + "' input");
    }
    try {
      return new Reenter(reentry.get(), reentry.get().route(topic, dl));
    } catch (NotReenterable n) {
      return new Skip(SKIP_NO_PATH, n.getMessage());
    }
  }

  /** Sends the batch, its outcomes' ledger entries, and commits them as one transaction. */
  private void commit() {
    if (batch.isEmpty()) {
      return;
    }
    List<CompletableFuture<Outcome>> sent = new ArrayList<>();
    try {
      producer.beginTransaction();
      for (Pending p : batch) {
        sent.add(send(p));
      }
      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
      Map<String, Integer> counted = new LinkedHashMap<>();
      for (int i = 0; i < batch.size(); i++) {
        Pending p = batch.get(i);
        Outcome o = sent.get(i).join();
        String target = p.plan() instanceof Republish r ? r.topic() : ((Reenter) p.plan()).route();
        producer.send(ReplayLedger.entry(p.entry(), ledgerSerde.serialize(Topics.DLQ_REPLAYS.name(),
            ReplayLedger.value(p.entry(), target, o.result().name().toLowerCase(Locale.ROOT), replayedBy))));
        counted.merge(describe(o), 1, Integer::sum);
      }
      producer.commitTransaction();
      counted.forEach((k, n) -> summary.resubmitted.merge(k, n, Integer::sum));
      batch.clear();
    } catch (ProducerFencedException e) {
      throw new IllegalStateException("another replay of " + topic + " started and took over; this one stopped. "
          + summary.resubmittedTotal() + " dead letter(s) were replayed and committed before that");
    } catch (Exception e) {
      try {
        producer.abortTransaction();
      } catch (RuntimeException abort) {
        e.addSuppressed(abort);
      }
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("replay of " + topic + " stopped at " + batch.get(0).entry().position()
          + ": " + Errors.oneLine(e) + ". " + summary.resubmittedTotal() + " dead letter(s) were replayed and "
          + "committed before; the " + batch.size() + " of this batch were rolled back and can be replayed again", e);
    }
  }

  private CompletableFuture<Outcome> send(Pending p) throws NotReenterable {
    if (p.plan() instanceof Reenter r) {
      return r.reentry().reenter(topic, p.entry().deadLetter());
    }
    Republish r = (Republish) p.plan();
    ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>(r.topic(), r.key(), r.value());
    rec.headers().add(HEADER_REPLAY_OF,
        (topic + "/" + p.entry().position()).getBytes(StandardCharsets.UTF_8));
    CompletableFuture<Outcome> f = new CompletableFuture<>();
    producer.send(rec, (md, err) -> {
      if (err != null) {
        f.completeExceptionally(err);
      } else {
        f.complete(new Outcome(Result.PUBLISHED, r.topic()));
      }
    });
    return f;
  }

  static String describe(Outcome o) {
    return switch (o.result()) {
      case PUBLISHED -> "published → " + o.detail();
      case DEAD_LETTERED_AGAIN -> "still rejected, fresh dead letter → " + o.detail();
      case NOTHING_TO_PUBLISH -> "nothing to publish (" + o.detail() + ")";
    };
  }
}
