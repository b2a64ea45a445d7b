package dev.whodrove.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Message;
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.MessageLimits;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.schemas.ExampleRecords;
import dev.whodrove.schemas.JsonRender;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Lists the topic catalogue, renders example records, and creates missing topics on a cluster. */
@Command(name = "topics", mixinStandardHelpOptions = true,
    description = {"List whodrove's topics (name, key, value type, partitions, cleanup, retention); "
        + "with --create, create the missing ones (and the replay ledger whodrove.dlq.replays) on a cluster.",
        "--create connects with the services' client configuration (--config FILE, WHODROVE_KAFKA_*): a secured "
            + "cluster's SASL or TLS settings apply as they do to a service."})
public final class TopicsCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How long --create waits for the cluster before it gives up with what to check. */
  static final Duration CREATE_TIMEOUT = Duration.ofSeconds(20);

  @Option(names = "--examples", description = "Print an example value of each topic as JSON.")
  boolean examples;

  @Option(names = "--create", description = "Create missing topics (and the replay ledger whodrove.dlq.replays) on "
      + "the cluster of --bootstrap-servers / --config.")
  boolean create;

  @Mixin KafkaClientOptions kafka;

  @Option(names = "--partitions", description = "Partitions for data topics (default: catalogue value).")
  int partitions;

  @Option(names = "--replication-factor", description = "Replication factor (default: topics.replication.factor "
      + "of the configuration, else the broker's).")
  short replicationFactor;

  @Option(names = "--json", description = "One JSON object per topic and line: name, key, value_type, partitions, "
      + "cleanup_policy, retention_days (null: kept forever); with --examples an example value; with --create "
      + "whether it was created.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    List<TopicSpec<?>> topics = new ArrayList<>(Topics.all());
    topics.add(Topics.SESSION_CORRELATIONS); // read outside whodrove: no dead-letter companion
    Set<String> created = null;
    if (create) {
      topics.add(Topics.DLQ_REPLAYS); // created here too, for clusters where replays may not create topics
      created = create(kafka.config(), topics);
    }
    Map<String, Message> samples = ExampleRecords.byTopic();
    if (!json) {
      System.out.printf("%-32s %-28s %-20s %5s %-8s %s%n", "TOPIC", "KEY", "VALUE", "PARTS", "CLEANUP", "RETENTION");
    }
    for (TopicSpec<?> t : topics) {
      Message sample = samples.get(t.name());
      if (json) {
        ObjectNode n = JSON.createObjectNode().put("name", t.name()).put("key", t.keyDescription())
            .put("value_type", t.valuePrototype().getDescriptorForType().getFullName())
            .put("partitions", t.partitions()).put("cleanup_policy", t.cleanupPolicy());
        if (t.retention() == null) {
          n.putNull("retention_days");
        } else {
          n.put("retention_days", t.retention().toDays());
        }
        if (examples && sample != null) {
          n.set("example", JSON.readTree(JsonRender.compact(sample)));
        }
        if (created != null) {
          n.put("created", created.contains(t.name()));
        }
        System.out.println(n);
        continue;
      }
      System.out.printf("%-32s %-28s %-20s %5d %-8s %s%n", t.name(), t.keyDescription(),
          t.valuePrototype().getDescriptorForType().getName(), t.partitions(), t.cleanupPolicy(),
          t.retention() == null ? "-" : t.retention().toDays() + "d");
      if (examples && sample != null) {
        System.out.println(JsonRender.pretty(sample).indent(4));
      }
    }
    if (created != null && !json) {
      System.out.println(created.isEmpty() ? "all topics already exist" : "created: " + String.join(", ", created));
    }
    return 0;
  }

  private Set<String> create(ServiceConfig cfg, List<TopicSpec<?>> topics) {
    Map<String, Object> props = cfg.kafkaClientProperties();
    int timeoutMs = (int) CREATE_TIMEOUT.toMillis();
    props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
    props.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMs, 10_000));
    short rf = replicationFactor > 0 ? replicationFactor
        : (short) cfg.getInt(ServiceHost.TOPICS_REPLICATION_FACTOR, 0);
    System.err.printf("creating missing topics on %s…%n", cfg.require(ServiceConfig.BOOTSTRAP_SERVERS));
    try (Admin admin = Admin.create(props)) {
      return Topics.ensureTopics(admin, topics, partitions, rf, MessageLimits.from(cfg).maxMessageBytes(),
          cfg.getInt(ServiceHost.TOPICS_MIN_INSYNC_REPLICAS, 0), CREATE_TIMEOUT);
    } catch (RuntimeException e) {
      throw new IllegalStateException("could not create topics: " + Errors.oneLine(e) + "; "
          + KafkaClientOptions.checkHint(cfg), e);
    }
  }
}
