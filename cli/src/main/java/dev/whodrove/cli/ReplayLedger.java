package dev.whodrove.cli;

import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetterReplay;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The record of what {@code dlq replay} re-submitted ({@link Topics#DLQ_REPLAYS}): one entry per dead letter, keyed
 * by its topic, partition and offset, written in the same transaction as what the replay published, so what it says
 * is exactly what was committed.
 */
final class ReplayLedger {
  private ReplayLedger() {}

  static String key(String topic, int partition, long offset) {
    return topic + "|" + partition + "|" + offset;
  }

  /** The keys of every dead letter replayed so far; empty when the ledger topic does not exist yet. */
  static Set<String> read(Map<String, Object> clientProps, boolean exists) {
    Set<String> keys = new HashSet<>();
    if (exists) {
      BoundedTopicReader.read(clientProps, List.of(Topics.DLQ_REPLAYS.name()), null, r -> {
        if (r.key() != null && r.value() != null) {
          keys.add(new String(r.key(), StandardCharsets.UTF_8));
        }
      });
    }
    return keys;
  }

  /** The ledger record of one re-submitted dead letter, {@code value} being its serialized {@link #value}. */
  static ProducerRecord<byte[], byte[]> entry(DeadLetterEntry e, byte[] value) {
    return new ProducerRecord<>(Topics.DLQ_REPLAYS.name(), e.ledgerKey().getBytes(StandardCharsets.UTF_8), value);
  }

  /** The ledger value of one re-submitted dead letter. */
  static DeadLetterReplay value(DeadLetterEntry e, String target, String outcome, String replayedBy) {
    return DeadLetterReplay.newBuilder().setDeadLetterTopic(e.topic()).setDeadLetterPartition(e.partition())
        .setDeadLetterOffset(e.offset()).setTarget(target).setOutcome(outcome).setReplayedBy(replayedBy)
        .setReplayedAtMs(System.currentTimeMillis()).build();
  }
}
