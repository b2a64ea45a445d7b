package dev.whodrove.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
