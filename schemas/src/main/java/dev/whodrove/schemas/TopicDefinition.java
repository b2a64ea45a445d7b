package dev.whodrove.schemas;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * What it takes to create a topic, whatever its values are: name, default partition count and topic-level configs.
 * {@link TopicSpec} (protobuf values) and {@link JsonTopicSpec} (JSON values) are both created through
 * {@link Topics#ensureTopics(org.apache.kafka.clients.admin.Admin, java.util.Collection, int, short,
 * java.time.Duration)}.
 */
public interface TopicDefinition {
  /** Topic name (part of the public contract). */
  String name();

  /** Default partition count. */
  int partitions();

  /** Topic-level configs used when the topic is created. */
  Map<String, String> topicConfigs();

  /**
   * Whether a cluster-wide partition override applies: it does to every topic but dead-letter topics, which keep
   * their own count.
   */
  default boolean followsPartitionsOverride() {
    return !name().endsWith(".dlq");
  }

  /**
   * The topic to create.
   *
   * @param partitionsOverride partitions, or 0 for the default (ignored where {@link #followsPartitionsOverride()}
   *     is false)
   * @param replicationFactor replication factor, or 0 for the broker's default
   */
  default NewTopic newTopic(int partitionsOverride, short replicationFactor) {
    return newTopic(partitionsOverride, replicationFactor, 0);
  }

  /**
   * The topic to create, with a record size limit of its own.
   *
   * @param maxMessageBytes the topic's {@code max.message.bytes}, or 0 for {@value Topics#DEFAULT_MAX_MESSAGE_BYTES}
   */
  default NewTopic newTopic(int partitionsOverride, short replicationFactor, int maxMessageBytes) {
    return newTopic(partitionsOverride, replicationFactor, maxMessageBytes, 0);
  }

  /**
   * The topic to create, with a record size limit and a {@code min.insync.replicas} of its own.
   *
   * @param minInsyncReplicas the topic's {@code min.insync.replicas}, or 0 for the broker's default
   */
  default NewTopic newTopic(int partitionsOverride, short replicationFactor, int maxMessageBytes,
      int minInsyncReplicas) {
    int count = partitionsOverride > 0 && followsPartitionsOverride() ? partitionsOverride : partitions();
    Optional<Short> rf = replicationFactor > 0 ? Optional.of(replicationFactor) : Optional.empty();
    Map<String, String> configs = new HashMap<>(topicConfigs());
    if (maxMessageBytes > 0) {
      configs.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(maxMessageBytes));
    }
    if (minInsyncReplicas > 0) {
      configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(minInsyncReplicas));
    }
    return new NewTopic(name(), Optional.of(count), rf).configs(configs);
  }
}
