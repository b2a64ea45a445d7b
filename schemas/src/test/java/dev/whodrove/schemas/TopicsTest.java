package dev.whodrove.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.schemas.v1.SessionVerdict;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TopicsTest {
  @Test
  void everyDataTopicHasADeadLetterCompanionAndNamesAreUnique() {
    Set<String> names = new HashSet<>();
    for (TopicSpec<?> t : Topics.all()) {
      assertThat(names.add(t.name())).as("duplicate %s", t.name()).isTrue();
    }
    assertThat(Topics.all()).hasSize(Topics.DATA_TOPICS.size() * 2);
    assertThat(Topics.byName("session.labels.dlq")).isPresent();
    assertThat(Topics.SESSION_LABELS.deadLetterTopic()).isEqualTo("session.labels.dlq");
    assertThatThrownBy(() -> Topics.deadLetterOf(Topics.SESSION_LABELS).deadLetterTopic())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void compactedTopicsCarryNoRetentionAndOthersDo() {
    assertThat(Topics.SESSION_FEATURES.topicConfigs()).containsEntry("cleanup.policy", "compact")
        .doesNotContainKey("retention.ms");
    assertThat(Topics.SESSION_LABELS.topicConfigs()).containsEntry("cleanup.policy", "delete")
        .containsEntry("retention.ms", Long.toString(90L * 24 * 3600 * 1000));
  }

  @Test
  void protobufAndJsonTopicsAreCreatedAlike() {
    var json = Topics.SESSION_LABELS_JSON.newTopic(2, (short) 3);
    assertThat(json.name()).isEqualTo("session.labels.json");
    assertThat(json.numPartitions()).isEqualTo(2);
    assertThat(json.replicationFactor()).isEqualTo((short) 3);
    assertThat(json.configs()).containsEntry("cleanup.policy", "delete")
        .containsEntry("retention.ms", Long.toString(90L * 24 * 3600 * 1000));
    var labels = Topics.SESSION_LABELS.newTopic(0, (short) 0);
    assertThat(labels.numPartitions()).isEqualTo(6);
    assertThat(labels.replicationFactor()).isEqualTo((short) -1);
    assertThat(labels.configs()).isEqualTo(Topics.SESSION_LABELS.topicConfigs());
    var dlq = Topics.deadLetterOf(Topics.SESSION_LABELS).newTopic(4, (short) 0);
    assertThat(dlq.numPartitions()).as("dead-letter topics keep their partition count").isEqualTo(1);
  }

  @Test
  void aReplicatedTopicCarriesItsDurabilityFloorOnlyWhenOneIsAsked() {
    var replicated = Topics.SESSION_LABELS.newTopic(0, (short) 3, 0, 2);
    assertThat(replicated.replicationFactor()).isEqualTo((short) 3);
    assertThat(replicated.configs()).containsEntry("min.insync.replicas", "2");
    assertThat(Topics.SESSION_LABELS.newTopic(0, (short) 3, 0).configs()).doesNotContainKey("min.insync.replicas");
  }

  @Test
  void configuredNamesGetTheirSpecsFromTheCatalogue() {
    var completed = Topics.llmCompleted(Topics.LLM_COMPLETED_DEFAULT_NAME);
    assertThat(completed.name()).isEqualTo("llm-scorer.completed");
    assertThat(completed.keyDescription()).isEqualTo("session id|escalation version");
    assertThat(completed.valuePrototype()).isEqualTo(SessionVerdict.getDefaultInstance());
    assertThat(completed.partitions()).isEqualTo(6);
    assertThat(completed.hasDeadLetterTopic()).isFalse();
    assertThat(completed.topicConfigs()).containsEntry("cleanup.policy", "compact,delete")
        .containsEntry("retention.ms", Long.toString(30L * 24 * 3600 * 1000));
    assertThat(Topics.byName(completed.name())).isEmpty();

    assertThat(Topics.sessionLabelsNamed("session.labels")).isSameAs(Topics.SESSION_LABELS);
    var copy = Topics.sessionLabelsNamed("labels.copy");
    assertThat(copy.name()).isEqualTo("labels.copy");
    assertThat(copy.deadLetterTopic()).isEqualTo("labels.copy.dlq");
    assertThat(copy.topicConfigs()).isEqualTo(Topics.SESSION_LABELS.topicConfigs());
    assertThat(copy.valuePrototype()).isEqualTo(Topics.SESSION_LABELS.valuePrototype());
    assertThat(copy.partitions()).isEqualTo(Topics.SESSION_LABELS.partitions());
  }

  @Test
  void everyTopicIsCreatedWithTheRecordSizeLimit() {
    for (TopicDefinition t : Topics.all()) {
      assertThat(t.newTopic(0, (short) 0).configs()).as(t.name()).containsEntry("max.message.bytes", "2097152");
    }
    for (TopicDefinition t : Topics.JSON_TOPICS) {
      assertThat(t.topicConfigs()).as(t.name()).containsEntry("max.message.bytes", "2097152");
    }
    assertThat(Topics.SESSION_FEATURES.newTopic(0, (short) 0, 4 << 20).configs())
        .containsEntry("max.message.bytes", Integer.toString(4 << 20)).containsEntry("cleanup.policy", "compact");
  }
}
