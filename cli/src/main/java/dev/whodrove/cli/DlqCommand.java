package dev.whodrove.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.MessageLimits;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.DeadLetter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dlq ls} and {@code dlq replay}: what is in the dead-letter topics, and sending it back once fixed. */
@Command(name = "dlq", mixinStandardHelpOptions = true,
    description = "Inspect dead-letter topics (<topic>.dlq) and replay what they hold once the cause is fixed.",
    subcommands = {DlqCommand.Ls.class, DlqCommand.Replay.class})
public final class DlqCommand {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String DLQ_SUFFIX = ".dlq";

  private DlqCommand() {}

  static ProtobufSerde<DeadLetter> deadLetterSerde(ServiceConfig cfg) {
    ProtobufSerde<DeadLetter> serde = new ProtobufSerde<>(DeadLetter.getDefaultInstance());
    serde.configure(cfg.serdeProperties(), false);
    return serde;
  }

  /** {@code --since}: an RFC 3339 time, or a duration back from now ({@code 24h}, {@code 7d}, {@code PT30M}). */
  static Instant since(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException notATime) {
      try {
        return Instant.now().minus(ServiceConfig.parseDuration(text));
      } catch (RuntimeException notADuration) {
        throw new IllegalArgumentException("--since " + text + ": expected an RFC 3339 time "
            + "(2026-07-01T00:00:00Z) or a duration back from now (24h, 7d)");
      }
    }
  }

  /** The cluster's topic names. */
  static Set<String> topicNames(Admin admin, String bootstrap) {
    try {
      return new TreeSet<>(admin.listTopics().names().get(30, TimeUnit.SECONDS));
    } catch (Exception e) {
      throw new IllegalStateException("cannot list the topics on " + bootstrap + " (is the broker reachable?): "
          + Errors.oneLine(e), e);
    }
  }

  /** Fails with the dead-letter topics there are when {@code topic} is not on the cluster. */
  static void requireTopic(Set<String> names, String topic, String bootstrap) {
    if (!names.contains(topic)) {
      List<String> dlqs = names.stream().filter(n -> n.endsWith(DLQ_SUFFIX)).toList();
      throw new IllegalArgumentException("no topic " + topic + " on " + bootstrap + " (dead-letter topics there: "
          + (dlqs.isEmpty() ? "none" : String.join(", ", dlqs)) + ")");
    }
  }

  /** {@code --since} and {@code --reason}: which dead letters a command looks at. */
  static final class Selection {
    @Option(names = "--since", paramLabel = "TIME",
        description = "Only dead letters written since: an RFC 3339 time or a duration back from now (24h, 7d).")
    String since;
    @Option(names = "--reason", paramLabel = "TEXT", description = "Only dead letters whose reason contains TEXT "
        + "(ignoring case).")
    String reason;

    Instant since() {
      return DlqCommand.since(since);
    }

    DeadLetterReplayer.Filter filter() {
      return new DeadLetterReplayer.Filter(reason, since());
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true,
      description = {"List the dead letters of a topic: position, time, service, reason, where the input came from, "
          + "its size and whether it was kept whole; the newest --limit that match, oldest first.",
          "Without a topic: every dead-letter topic with its count.",
          "Reads committed records up to the end the topics have when it starts, without a consumer group: it "
              + "changes nothing on the cluster."})
  static final class Ls implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "TOPIC", description = "A dead-letter topic (<topic>.dlq).")
    String topic;
    @Mixin Selection select;
    @Option(names = "--limit", defaultValue = "100", description = "Show at most this many (the newest). "
        + "Default: ${DEFAULT-VALUE}.")
    int limit;
    @Option(names = "--json", description = "One JSON object per line (the original bytes are not printed).")
    boolean json;
    @Mixin KafkaClientOptions kafka;

    @Override
    public Integer call() {
      if (limit < 1) {
        throw new IllegalArgumentException("--limit must be at least 1");
      }
      ServiceConfig cfg = kafka.config();
      Map<String, Object> props = cfg.kafkaClientProperties();
      String bootstrap = cfg.require(ServiceConfig.BOOTSTRAP_SERVERS);
      Set<String> names;
      try (Admin admin = Admin.create(props)) {
        names = topicNames(admin, bootstrap);
      }
      Set<String> replayed = ReplayLedger.read(props, names.contains(Topics.DLQ_REPLAYS.name()));
      if (topic == null) {
        listTopics(props, names, replayed);
      } else {
        requireTopic(names, topic, bootstrap);
        listDeadLetters(cfg, props, replayed);
      }
      return 0;
    }

    private void listDeadLetters(ServiceConfig cfg, Map<String, Object> props, Set<String> replayed) {
      DeadLetterReplayer.Filter filter = select.filter();
      ProtobufSerde<DeadLetter> serde = deadLetterSerde(cfg);
      Deque<DeadLetterEntry> newest = new ArrayDeque<>();
      long[] matched = {0};
      BoundedTopicReader.read(props, List.of(topic), filter.since(), r -> {
        DeadLetterEntry e = DeadLetterEntry.decode(r, serde);
        if (filter.matches(e)) {
          matched[0]++;
          newest.addLast(e);
          if (newest.size() > limit) {
            newest.removeFirst();
          }
        }
      });
      if (json) {
        newest.forEach(e -> System.out.println(e.toJson(replayed.contains(e.ledgerKey()))));
      } else {
        System.out.printf("%-10s %-24s %-18s %9s %-5s %-8s %-60s %s%n", "POSITION", "FAILED AT", "SERVICE", "SIZE",
            "WHOLE", "REPLAYED", "REASON", "SOURCE");
        for (DeadLetterEntry e : newest) {
          System.out.printf("%-10s %-24s %-18s %9d %-5s %-8s %-60s %s%n", e.position(), e.failedAt(),
              LabelCommand.cut(e.deadLetter().getService(), 18), e.originalSize(), e.truncated() ? "no" : "yes",
              replayed.contains(e.ledgerKey()) ? "yes" : "-", LabelCommand.cut(e.reasonLine(), 60), e.source());
        }
      }
      String more = matched[0] > newest.size() ? "; " + (matched[0] - newest.size())
          + " older not shown (raise --limit or narrow --since)" : "";
      (json ? System.err : System.out).printf("%d dead letter(s) in %s%s%n", matched[0], topic, more);
    }

    private void listTopics(Map<String, Object> props, Set<String> names, Set<String> replayed) {
      List<String> dlqs = names.stream().filter(n -> n.endsWith(DLQ_SUFFIX)).toList();
      Map<String, long[]> stats = new TreeMap<>(); // count, replayed, newest record time
      dlqs.forEach(t -> stats.put(t, new long[3]));
      if (!dlqs.isEmpty()) {
        BoundedTopicReader.read(props, dlqs, select.since(), r -> {
          long[] s = stats.get(r.topic());
          s[0]++;
          if (replayed.contains(ReplayLedger.key(r.topic(), r.partition(), r.offset()))) {
            s[1]++;
          }
          s[2] = Math.max(s[2], r.timestamp());
        });
      }
      if (json) {
        stats.forEach((t, s) -> {
          ObjectNode n = JSON.createObjectNode().put("topic", t).put("dead_letters", s[0]).put("replayed", s[1])
              .put("newest", s[0] == 0 ? null : Instant.ofEpochMilli(s[2]).toString());
          System.out.println(n);
        });
        return;
      }
      System.out.printf("%-40s %12s %9s  %s%n", "TOPIC", "DEAD LETTERS", "REPLAYED", "NEWEST");
      stats.forEach((t, s) -> System.out.printf("%-40s %12d %9d  %s%n", t, s[0], s[1],
          s[0] == 0 ? "-" : Instant.ofEpochMilli(s[2]).toString()));
      System.out.printf("%d dead-letter topic(s), %d dead letter(s)%n", stats.size(),
          stats.values().stream().mapToLong(s -> s[0]).sum());
    }
  }

  @Command(name = "replay", mixinStandardHelpOptions = true,
      description = {"Re-submit the dead letters of a topic so they are processed again, once their cause is fixed.",
          "A dead letter of a Kafka record goes back to its source topic with the original key and value. One of input "
              + "read outside Kafka (ingest-teleport files, HTTP, SQS, Athena; ingest-gcp archives, Pub/Sub) goes "
              + "back in through that service's own parser and is published to its output, or dead-lettered afresh "
              + "if still bad. Run it with the ingest service's configuration (--config) so it parses the same way.",
          "Dead letters whose original was truncated are never replayed; neither is one replayed before (the "
              + "ledger topic whodrove.dlq.replays says which) unless --again. Everything is written in "
              + "Kafka transactions (acks=all) together with the ledger; a summary says what was replayed and what "
              + "was skipped, and why."})
  static final class Replay implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TOPIC", description = "A dead-letter topic (<topic>.dlq).")
    String topic;
    @Mixin Selection select;
    @Option(names = "--dry-run", description = "Say what would be replayed and skipped; write nothing.")
    boolean dryRun;
    @Option(names = "--again", description = "Also replay dead letters the ledger says were replayed before.")
    boolean again;
    @Mixin KafkaClientOptions kafka;

    @Override
    public Integer call() {
      ServiceConfig cfg = kafka.config();
      String bootstrap = cfg.require(ServiceConfig.BOOTSTRAP_SERVERS);
      Set<String> names;
      try (Admin admin = Admin.create(cfg.kafkaClientProperties())) {
        names = topicNames(admin, bootstrap);
        requireTopic(names, topic, bootstrap);
        if (!dryRun && !names.contains(Topics.DLQ_REPLAYS.name())) {
          try {
            Topics.ensureTopics(admin, List.of(Topics.DLQ_REPLAYS), 0,
                (short) cfg.getInt("topics.replication.factor", 0), MessageLimits.from(cfg).maxMessageBytes(),
                Duration.ofSeconds(30));
          } catch (RuntimeException e) {
            throw new IllegalStateException("cannot create the replay ledger " + Topics.DLQ_REPLAYS.name() + " ("
                + Errors.oneLine(e) + "): create it as an administrator with ./whodrove topics "
                + "--create", e);
          }
        }
      }
      DeadLetterReplayer.Summary s = DeadLetterReplayer.run(cfg, topic,
          select.filter(), dryRun, again, names, System.out);
      s.print(System.out, topic, dryRun);
      return 0;
    }
  }
}
