package dev.whodrove.sink;

import static dev.whodrove.sink.Verdicts.T0;
import static dev.whodrove.sink.Verdicts.label;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.testkit.TeleportAuditFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A verdict as a writer without redaction would put it on session.labels — notable events from real Teleport
 * session.command, exec and db.session.query events with secrets, a recording URI with credentials, a parse error and
 * a label value quoting a secret — into a real SQLite file: no table, and no byte of the file, may hold a secret.
 */
class RedactionTest {
  static final String PASSWORD = "hunter2-Sup3rS3cret";
  static final String TOKEN = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";

  @TempDir
  Path dir;

  static SessionVerdict withSecrets() {
    ObjectNode command = TeleportAuditFixtures.first("session.command");
    ObjectNode exec = TeleportAuditFixtures.first("exec");
    ObjectNode query = TeleportAuditFixtures.first("db.session.query");
    SessionVerdict v = Verdicts.teleport("s-secrets", 1, 0,
        label("operator.type", "agent", "phase1-classifier@v1", T0),
        label("phase2.rationale", "agent exported SLACK_TOKEN=" + TOKEN + " before deploying", "phase2-llm@v1", T0));
    var f = v.getFeatures().toBuilder();
    f.getTeleportBuilder().setRecordingUri("https://reader:" + PASSWORD + "@recordings.example.test/s-secrets.tar")
        .setParseError("stopped at 'mysql -uroot -p" + PASSWORD + "'");
    f.addNotableEvents(NotableEvent.newBuilder().setKind("command").setTimeMs(T0 + 1_000)
            .setRef(command.path("ei").asText())
            .setSummary("/usr/bin/mysql -h db -u root -p" + PASSWORD + " app (rc=" + command.path("return_code").asInt() + ")"))
        .addNotableEvents(NotableEvent.newBuilder().setKind("exec").setTimeMs(T0 + 2_000).setRef(exec.path("ei").asText())
            .setSummary("curl -H 'Authorization: Bearer " + TOKEN + "' https://hooks.example.test (exit 0)"))
        .addNotableEvents(NotableEvent.newBuilder().setKind("db").setTimeMs(T0 + 3_000).setRef(query.path("ei").asText())
            .setSummary(query.path("db_name").asText() + ": ALTER USER 'app'@'%' IDENTIFIED BY '" + PASSWORD + "'"));
    return v.toBuilder().setFeatures(f).build();
  }

  @Test
  void noSecretReachesTheFile() throws Exception {
    SessionVerdict v = withSecrets();
    assertThat(v.toString()).contains(PASSWORD, TOKEN); // the test can fail
    Path file = dir.resolve("sessions.sqlite");
    try (SessionDatabase store = SessionDatabase.open(file)) {
      store.apply(v);
      store.apply(v); // a redelivery updates rows in place: still nothing
      SessionDetail d = store.showSession("s-secrets").orElseThrow();
      assertThat(d.notableEvents()).hasSize(3);
      assertThat(d.notableEvents().get(0).payload()).contains("-p[REDACTED:password] app");
      assertThat((String) d.column("recording_uri")).startsWith("https://[REDACTED:url-credentials]@");
    }

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      assertThat(tables).contains("sessions", "session_labels", "notable_events");
      int values = 0;
      for (String t : tables) {
        try (ResultSet rs = st.executeQuery("SELECT * FROM \"" + t + "\"")) {
          int cols = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            for (int i = 1; i <= cols; i++) {
              String s = rs.getString(i);
              if (s != null) {
                values++;
                assertThat(s).as(t + "." + rs.getMetaData().getColumnName(i)).doesNotContain(PASSWORD, TOKEN);
              }
            }
          }
        }
      }
      assertThat(values).isGreaterThan(50);
    }
    // and not in any page of the database or its write-ahead log either
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        String bytes = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
        assertThat(bytes).as(p.getFileName().toString()).doesNotContain(PASSWORD, TOKEN);
      }
    }
  }
}
