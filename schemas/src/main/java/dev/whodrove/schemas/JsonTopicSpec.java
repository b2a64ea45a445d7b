package dev.whodrove.schemas;

import java.time.Duration;
import java.util.Map;

/**
 * A topic whose values are UTF-8 JSON strings (one object per record) rather than protobuf: the mirrors a SIEM reads
 * without the generated classes. Kept apart from {@link TopicSpec}, whose value is always a protobuf message; both are
 * {@link TopicDefinition}s, created the same way.
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
    Duration retention) implements TopicDefinition {

  /** Topic-level configs used when the topic is created. */
  @Override
  public Map<String, String> topicConfigs() {
    return TopicSpec.topicConfigs(cleanupPolicy, retention);
  }
}
