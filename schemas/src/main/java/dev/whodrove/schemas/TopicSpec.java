package dev.whodrove.schemas;

import com.google.protobuf.Message;
import dev.whodrove.schemas.serde.ProtobufSerde;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Everything there is to know about one topic: its name, what its key is, the value message, and how it is created.
 *
 * @param name topic name (part of the public contract)
 * @param keyDescription what the record key holds, for docs and operators
 * @param valuePrototype default instance of the value message
 * @param partitions default partition count
 * @param cleanupPolicy {@code delete} or {@code compact}
 * @param retention how long records are kept ({@code null} = broker default; ignored for compacted topics)
 * @param hasDeadLetterTopic whether consumers of this topic dead-letter bad input to {@code <name>.dlq}
 */
public record TopicSpec<M extends Message>(
    String name,
    String keyDescription,
    M valuePrototype,
    int partitions,
    String cleanupPolicy,
    Duration retention,
    boolean hasDeadLetterTopic) implements TopicDefinition {

  /** Name of the dead-letter companion, {@code <name>.dlq}. */
  public String deadLetterTopic() {
    if (!hasDeadLetterTopic) {
      throw new IllegalStateException("topic " + name + " has no dead-letter topic");
    }
    return name + ".dlq";
  }

  /** A fresh, unconfigured serde for the value type; call {@code configure} with the client config. */
  public ProtobufSerde<M> valueSerde() {
    return new ProtobufSerde<>(valuePrototype);
  }

  /** A serde for the value type configured with the given client config (registry URL and friends). */
  public ProtobufSerde<M> valueSerde(Map<String, ?> clientConfig) {
    ProtobufSerde<M> serde = valueSerde();
    serde.configure(clientConfig, false);
    return serde;
  }

  /** Topic-level configs used when the topic is created. */
  @Override
  public Map<String, String> topicConfigs() {
    return topicConfigs(cleanupPolicy, retention);
  }

  /**
   * Cleanup policy, retention unless compacted or unset, and the record size limit
   * ({@value Topics#DEFAULT_MAX_MESSAGE_BYTES} bytes, {@link TopicDefinition#newTopic(int, short, int)} sets another):
   * what every catalogued topic is created with.
   */
  static Map<String, String> topicConfigs(String cleanupPolicy, Duration retention) {
    String maxMessageBytes = Integer.toString(Topics.DEFAULT_MAX_MESSAGE_BYTES);
    if (TopicConfig.CLEANUP_POLICY_COMPACT.equals(cleanupPolicy) || retention == null) {
      return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, cleanupPolicy,
          TopicConfig.MAX_MESSAGE_BYTES_CONFIG, maxMessageBytes);
    }
    return Map.of(
        TopicConfig.CLEANUP_POLICY_CONFIG, cleanupPolicy,
        TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()),
        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, maxMessageBytes);
  }
}
