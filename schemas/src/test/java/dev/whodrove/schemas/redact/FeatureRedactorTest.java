package dev.whodrove.schemas.redact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.schemas.v1.TeleportFeatures;
import org.junit.jupiter.api.Test;

class FeatureRedactorTest {
  private static final String PW = SecretRedactorTest.PASSWORD;
  private final FeatureRedactor redactor = new FeatureRedactor();

  static SessionFeatures withSecrets() {
    return SessionFeatures.newBuilder().setSessionId("s-1").setSubstrate("teleport-recording")
        .setTeleport(TeleportFeatures.newBuilder().setKind("ssh")
            .addInitialCommand("mysql -u root -p" + PW + " app")
            .setRecordingUri("https://u:" + PW + "@store.example.test/s-1.tar")
            .setParseError("bad chunk near 'export TOKEN=" + PW + "'"))
        .addNotableEvents(NotableEvent.newBuilder().setKind("db").setSummary("app: ALTER ROLE app PASSWORD '" + PW + "'"))
        .addNotableEvents(NotableEvent.newBuilder().setKind("command").setSummary("/bin/ls -la (rc=0)"))
        .build();
  }

  @Test
  void everyTextFieldIsRedacted() {
    SessionFeatures r = redactor.redact(withSecrets());
    assertThat(r.toString()).doesNotContain(PW);
    assertThat(r.getTeleport().getInitialCommand(0)).isEqualTo("mysql -u root -p[REDACTED:password] app");
    assertThat(r.getTeleport().getRecordingUri()).isEqualTo("https://[REDACTED:url-credentials]@store.example.test/s-1.tar");
    assertThat(r.getNotableEvents(1).getSummary()).isEqualTo("/bin/ls -la (rc=0)");
    assertThat(redactor.redact(r)).as("clean input comes back as it is").isSameAs(r);
  }

  @Test
  void verdictsLoseSecretsInFeaturesAndLabelValues() {
    SessionVerdict v = SessionVerdict.newBuilder().setSessionId("s-1").setFeatures(withSecrets())
        .addLabels(Label.newBuilder().setKey("operator.type").setValue("agent"))
        .addLabels(Label.newBuilder().setKey("note").setValue("ran PGPASSWORD=" + PW + " psql"))
        .build();
    SessionVerdict r = redactor.redact(v);
    assertThat(r.toString()).doesNotContain(PW);
    assertThat(r.getLabels(0).getValue()).isEqualTo("agent");
    assertThat(redactor.redact(r)).isSameAs(r);
  }
}
