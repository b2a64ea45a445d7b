package dev.whodrove.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.runtime.DeadLetters;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.SourcePosition;
import java.time.Instant;
import java.util.HexFormat;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** One dead letter as read from its topic: where it sits there, and what it says. */
record DeadLetterEntry(String topic, int partition, long offset, DeadLetter deadLetter) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Decodes a record of a dead-letter topic; a record that is not a {@link DeadLetter} is a one-line error. */
  static DeadLetterEntry decode(ConsumerRecord<byte[], byte[]> r, ProtobufSerde<DeadLetter> serde) {
    String where = "record " + r.partition() + "@" + r.offset() + " of " + r.topic();
    DeadLetter dl;
    try {
      dl = serde.deserialize(r.topic(), r.value());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(where + " is not a DeadLetter (" + e.getMessage() + "): is " + r.topic()
          + " a dead-letter topic?");
    }
    // every dead letter names its service (value and header) and its time; arbitrary protobuf rarely parses to that
    boolean header = r.headers().lastHeader(DeadLetters.HEADER_SERVICE) != null;
    if (dl == null || dl.getService().isEmpty() || (!header && dl.getFailedAtMs() <= 0)) {
      throw new IllegalArgumentException(where + " is not a DeadLetter (" + (dl == null ? "no value"
          : "no service or time") + "): is " + r.topic() + " a dead-letter topic?");
    }
    return new DeadLetterEntry(r.topic(), r.partition(), r.offset(), dl);
  }

  /** {@code partition@offset}. */
  String position() {
    return partition + "@" + offset;
  }

  /** The key this dead letter has in the replay ledger. */
  String ledgerKey() {
    return ReplayLedger.key(topic, partition, offset);
  }

  boolean kafkaSourced() {
    return !deadLetter.getSourceTopic().isEmpty();
  }

  /** Where the original was read: {@code topic/partition@offset}, or {@code source:locator[@offset]}. */
  String source() {
    if (kafkaSourced()) {
      return deadLetter.getSourceTopic() + "/" + deadLetter.getSourcePartition() + "@" + deadLetter.getSourceOffset();
    }
    SourcePosition s = deadLetter.getSource();
    return s.getSource() + ":" + s.getLocator() + (s.getOffset() >= 0 ? "@" + s.getOffset() : "");
  }

  /** The reason on one line. */
  String reasonLine() {
    return deadLetter.getReason().replaceAll("[\\r\\n\\t]+", " ");
  }

  String failedAt() {
    return deadLetter.getFailedAtMs() > 0 ? Instant.ofEpochMilli(deadLetter.getFailedAtMs()).toString() : "-";
  }

  /** Length of the whole original value (the kept bytes for dead letters older than the size field). */
  long originalSize() {
    return Math.max(deadLetter.getOriginalValueSize(), deadLetter.getOriginalValue().size());
  }

  boolean truncated() {
    return DeadLetters.whyNotWhole(deadLetter).filter(w -> w.startsWith("truncated")).isPresent();
  }

  /** One JSON object; the original bytes are not in it (they may hold audit data), their size and digest are. */
  ObjectNode toJson(boolean replayed) {
    ObjectNode n = JSON.createObjectNode().put("topic", topic).put("partition", partition).put("offset", offset)
        .put("failed_at", failedAt()).put("service", deadLetter.getService()).put("reason", deadLetter.getReason())
        .put("error_class", deadLetter.getErrorClass());
    ObjectNode src = n.putObject("source");
    if (kafkaSourced()) {
      src.put("kind", "kafka").put("topic", deadLetter.getSourceTopic())
          .put("partition", deadLetter.getSourcePartition()).put("offset", deadLetter.getSourceOffset());
    } else {
      SourcePosition s = deadLetter.getSource();
      src.put("kind", s.getSource()).put("locator", s.getLocator()).put("offset", s.getOffset());
    }
    n.put("original_size", originalSize()).put("original_key_size", deadLetter.getOriginalKeySize())
        .put("original_sha256", HexFormat.of().formatHex(deadLetter.getOriginalValueSha256().toByteArray()))
        .put("truncated", truncated()).put("replayed", replayed);
    return n;
  }
}
