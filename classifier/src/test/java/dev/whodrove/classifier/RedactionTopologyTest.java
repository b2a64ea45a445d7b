package dev.whodrove.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.StreamsService;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.Escalation;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.testkit.TeleportAuditFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

/**
 * A feature record as a featurizer without redaction wrote it — notable events built from real Teleport
 * session.command and db.session.query events with secrets in argv and the query — through the classifier topology:
 * session.labels and session.escalations must carry none of them (siem-export redacts its feeds again).
 */
class RedactionTopologyTest {
  static final String PASSWORD = "hunter2-Sup3rS3cret";
  static final String TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";

  @Test
  void secretsInFeaturesNeverReachLabelsOrEscalations() {
    ObjectNode command = TeleportAuditFixtures.first("session.command");
    command.putArray("argv").add("deploy").add("--token").add(TOKEN).add("--db-password=" + PASSWORD);
    ObjectNode query = TeleportAuditFixtures.first("db.session.query");
    query.put("db_query", "CREATE USER report WITH PASSWORD '" + PASSWORD + "'");
    List<String> argv = new ArrayList<>();
    command.path("argv").forEach(a -> argv.add(a.asText()));
    SessionFeatures raw = Reference.teleport("s-secrets", Reference.ssh()
            .addInitialCommand("PGPASSWORD=" + PASSWORD + " psql -h db -U app")
            .setRecordingUri("https://reader:" + PASSWORD + "@recordings.example.test/s-secrets.tar"),
            Reference.OPUS).toBuilder()
        .setUser(command.path("user").asText())
        .addNotableEvents(NotableEvent.newBuilder().setKind("command").setTimeMs(Reference.T0 + 1_000)
            .setSummary(String.join(" ", argv) + " (rc=" + command.path("return_code").asInt() + ")"))
        .addNotableEvents(NotableEvent.newBuilder().setKind("db").setTimeMs(Reference.T0 + 2_000)
            .setSummary(query.path("db_name").asText() + ": " + query.path("db_query").asText()))
        .build();
    assertThat(raw.toString()).contains(PASSWORD, TOKEN); // the test can fail

    ClassifierConfig cfg = ClassifierConfig.defaults();
    try (TopologyTestDriver driver = new TopologyTestDriver(ClassifierTopology.build(cfg),
        StreamsService.streamsProperties(ServiceConfig.of(Map.of("kafka.bootstrap.servers", "unused:9092")),
            "classifier", cfg.applicationId()))) {
      driver.createInputTopic(Topics.SESSION_FEATURES.name(), new StringSerializer(),
          Topics.SESSION_FEATURES.valueSerde().serializer()).pipeInput(raw.getSessionId(), raw);

      SessionVerdict verdict = driver.createOutputTopic(Topics.SESSION_LABELS.name(), new StringDeserializer(),
          Topics.SESSION_LABELS.valueSerde().deserializer()).readValue();
      Escalation escalation = driver.createOutputTopic(Topics.SESSION_ESCALATIONS.name(), new StringDeserializer(),
          Topics.SESSION_ESCALATIONS.valueSerde().deserializer()).readValue();

      for (String out : List.of(verdict.toString(), escalation.toString())) {
        assertThat(out).doesNotContain(PASSWORD, TOKEN, "hunter2", "reader:");
      }
      assertThat(verdict.getFeatures().getNotableEventsList()).extracting(NotableEvent::getSummary).containsExactly(
          "deploy --token [REDACTED:github-token] --db-password=[REDACTED:password] (rc=0)",
          query.path("db_name").asText() + ": CREATE USER report WITH PASSWORD [REDACTED:password]");
      assertThat(escalation.getFeatures()).isEqualTo(verdict.getFeatures());
      assertThat(escalation.getRecordingUri())
          .isEqualTo("https://[REDACTED:url-credentials]@recordings.example.test/s-secrets.tar");
      // the verdict is still the verdict: redaction touched the text, not the classification
      assertThat(ClassifierTopologyTest.labelMap(verdict)).containsEntry("operator.type", "agent");
      assertThat(verdict.toString()).contains("[REDACTED:github-token]");
    }
  }
}
