package dev.whodrove.classifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClassifierConfigTest {
  private static final Map<String, String> BASE = Map.of("kafka.bootstrap.servers", "localhost:9092");

  @Test
  void defaults() {
    ClassifierConfig c = ClassifierConfig.from(ServiceConfig.of(BASE));
    assertThat(c.applicationId()).isEqualTo("whodrove-classifier-v1");
    assertThat(c.cadence().stage()).isEqualTo("cadence@v1");
    assertThat(c.cadence().threshold()).isEqualTo(0.5);
    assertThat(c.escalation()).isEqualTo(EscalationPolicy.defaults());
    assertThat(c.phase1Stage()).isEqualTo("phase1-classifier@v1");
  }

  @Test
  void overrides() {
    ClassifierConfig c = ClassifierConfig.from(ServiceConfig.of(BASE).with(Map.of(
        "classifier.cadence.table", "v0", "classifier.cadence.threshold", "0.6",
        "classifier.escalate.ambiguous", "false",
        "application.id", "whodrove-classifier-v1-replay")));
    assertThat(c.cadence().stage()).isEqualTo("cadence@v0");
    assertThat(c.cadence().threshold()).isEqualTo(0.6);
    assertThat(c.escalation().ambiguousCadence()).isFalse();
    assertThat(c.applicationId()).isEqualTo("whodrove-classifier-v1-replay");
  }

  @Test
  void everyKeyCanBeSetFromTheEnvironment() {
    ClassifierConfig c = ClassifierConfig.from(ServiceConfig.load(Map.of(
        "WHODROVE_KAFKA_BOOTSTRAP_SERVERS", "localhost:9092",
        "WHODROVE_CLASSIFIER_ESCALATE_AGENT_PTY_SSH", "false",
        "WHODROVE_CLASSIFIER_ESCALATE_PTY_CONTENT_ALLOWED", "true",
        "WHODROVE_APPLICATION_ID", "whodrove-classifier-v2"), Map.of()));
    assertThat(c.escalation().agentOnPtySsh()).isFalse();
    assertThat(c.escalation().ptyContentAllowed()).isTrue();
    assertThat(c.applicationId()).isEqualTo("whodrove-classifier-v2");
  }

  @Test
  void badValuesNameTheKeyAndEnvVar() {
    assertThatThrownBy(() -> ClassifierConfig.from(ServiceConfig.of(BASE).with(Map.of("classifier.cadence.table", "v7"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("classifier.cadence.table")
        .hasMessageContaining("WHODROVE_CLASSIFIER_CADENCE_TABLE");
    assertThatThrownBy(() -> ClassifierConfig.from(ServiceConfig.of(BASE).with(Map.of("classifier.cadence.threshold",
        "1.5")))).isInstanceOf(ConfigException.class).hasMessageContaining("classifier.cadence.threshold");
  }

  @Test
  void registeredAsAService() {
    assertThat(ServiceFactory.named("classifier")).hasValueSatisfying(f -> assertThat(f.defaultHttpPort())
        .isEqualTo(9405));
  }

  @Test
  void neverStampsReviewOrManualLabels() {
    LabelSet l = new LabelSet(1);
    assertThatThrownBy(() -> l.put("review.note", "x", "phase1-classifier@v1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> l.put("operator.type", "human", "manual:cli"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(LabelSet.decimal(0.8500001)).isEqualTo("0.85");
    assertThat(LabelSet.decimal(1.0)).isEqualTo("1");
    assertThat(LabelSet.decimal(0.0)).isEqualTo("0");
  }
}
