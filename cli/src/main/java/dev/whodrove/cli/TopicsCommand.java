package dev.whodrove.cli;

import com.google.protobuf.Message;
import dev.whodrove.runtime.MessageLimits;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.schemas.ExampleRecords;
import dev.whodrove.schemas.JsonRender;
import dev.whodrove.schemas.TopicDefinition;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Lists the topic catalogue, renders example records, and creates missing topics on a cluster. */
@Command(name = "topics", mixinStandardHelpOptions = true,
    description = "List whodrove's topics (name, key, value type, partitions, cleanup, retention); "
        + "with --create, create the missing ones on a cluster.")
public final class TopicsCommand implements Callable<Integer> {
  @Option(names = "--examples", description = "Print an example value of each topic as JSON.")
  boolean examples;

  @Option(names = "--create", description = "Create missing topics (and the replay ledger whodrove.dlq.replays) on "
      + "the cluster of --bootstrap-servers / --config.")
  boolean create;

  @Mixin KafkaClientOptions kafka;

  @Option(names = "--partitions", description = "Partitions for data topics (default: catalogue value).")
  int partitions;

  @Option(names = "--replication-factor", description = "Replication factor (default: the broker's).")
  short replicationFactor;

  @Override
  public Integer call() {
    Map<String, Message> samples = ExampleRecords.byTopic();
    System.out.printf("%-32s %-28s %-20s %5s %-8s %s%n", "TOPIC", "KEY", "VALUE", "PARTS", "CLEANUP", "RETENTION");
    List<TopicSpec<?>> listed = new ArrayList<>(Topics.all());
    listed.add(Topics.SESSION_CORRELATIONS); // read outside whodrove: no dead-letter companion
    for (TopicSpec<?> t : listed) {
      System.out.printf("%-32s %-28s %-20s %5d %-8s %s%n", t.name(), t.keyDescription(),
          t.valuePrototype().getDescriptorForType().getName(), t.partitions(), t.cleanupPolicy(),
          t.retention() == null ? "-" : t.retention().toDays() + "d");
      if (examples) {
        System.out.println(JsonRender.pretty(samples.get(t.name())).indent(4));
      }
    }
    if (create) {
      ServiceConfig cfg = kafka.config();
      List<TopicDefinition> topics = new ArrayList<>(listed);
      topics.add(Topics.DLQ_REPLAYS); // created here too, for clusters where replays may not create topics
      try (Admin admin = Admin.create(cfg.kafkaClientProperties())) {
        Set<String> created = Topics.ensureTopics(admin, topics, partitions, replicationFactor,
            MessageLimits.from(cfg).maxMessageBytes(), Duration.ofSeconds(30));
        System.out.println(created.isEmpty() ? "all topics already exist" : "created: " + String.join(", ", created));
      }
    }
    return 0;
  }
}
