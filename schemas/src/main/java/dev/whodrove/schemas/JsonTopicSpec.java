package dev.whodrove.schemas;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A topic whose values are UTF-8 JSON strings (one object per record) rather than protobuf: the mirrors a SIEM reads
 * without the generated classes. Kept apart from {@link TopicSpec}, whose value is always a protobuf message.
 *
 * @param name topic name (part of the public contract)
 * @param keyDescription what the record key holds
 * @param valueDescription what each JSON value is, for docs and operators
 * @param partitions default partition count
 * @param cleanupPolicy {@code delete} or {@code compact}
 * @param retention how long records are kept ({@code null} = broker default)
 */
public record JsonTopicSpec(
    String name,
    String keyDescription,
    String valueDescription,
    int partitions,
    String cleanupPolicy,
    Duration retention) {

  /** Topic-level configs used when the topic is created. */
  public Map<String, String> topicConfigs() {
    return TopicSpec.topicConfigs(cleanupPolicy, retention);
  }

  /**
   * The topic to create.
   *
   * @param partitionsOverride partitions, or 0 for the default
   * @param replicationFactor replication factor, or 0 for the broker's default
   */
  public NewTopic newTopic(int partitionsOverride, short replicationFactor) {
    Optional<Short> rf = replicationFactor > 0 ? Optional.of(replicationFactor) : Optional.empty();
    return new NewTopic(name, Optional.of(partitionsOverride > 0 ? partitionsOverride : partitions), rf)
        .configs(topicConfigs());
  }
}
