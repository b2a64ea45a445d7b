package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.schemas.v1.CommandExecuted;
import dev.whodrove.schemas.v1.DatabaseQuery;
import dev.whodrove.schemas.v1.ExecCommand;
import dev.whodrove.schemas.v1.KubeRequest;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.RecordingComplete;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.SessionEnded;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionStarted;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import dev.whodrove.testkit.TeleportAuditFixtures;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real Teleport audit events (session.start, session.command, exec, db.session.query, kube.request from the fixtures)
 * with secrets planted where such events carry them, through the featurizer topology: neither session.features nor
 * the state changelogs may hold a secret.
 */
class RedactionTopologyTest {
  static final String PASSWORD = "hunter2-Sup3rS3cret";
  static final String TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
  static final String SID = "sid-secrets";
  static final long T0 = Recordings.T0;

  private DriverSupport d;

  @BeforeEach
  void setUp() {
    d = new DriverSupport(FeaturizerConfig.defaults());
  }

  @AfterEach
  void tearDown() {
    d.close();
  }

  @Test
  void secretsInArgvQueriesExecAndRequestPathsNeverReachTheFeatures() {
    ObjectNode start = TeleportAuditFixtures.first("session.start");
    // Teleport's session.command argv leaves the program out: the program is in "program" and "path"
    ObjectNode mysql = TeleportAuditFixtures.first("session.command");
    mysql.put("program", "mysql").put("path", "/usr/bin/mysql");
    mysql.putArray("argv").add("-h").add("db-7").add("-u").add("app").add("-p" + PASSWORD).add("app");
    ObjectNode curl = TeleportAuditFixtures.events("session.command").get(1);
    curl.put("program", "curl").put("path", "/usr/bin/curl");
    curl.putArray("argv").add("-sS").add("-H").add("Authorization: token " + TOKEN).add("https://api.example.test/repos");
    ObjectNode exec = TeleportAuditFixtures.first("exec");
    exec.put("command", "psql postgres://app:" + PASSWORD + "@db-7:5432/app -c 'select 1'");
    ObjectNode query = TeleportAuditFixtures.first("db.session.query");
    query.put("db_query", "ALTER ROLE app WITH LOGIN PASSWORD '" + PASSWORD + "'");
    ObjectNode kube = TeleportAuditFixtures.first("kube.request");
    kube.put("request_path", "/api/v1/namespaces/prod/pods/web-1/exec?command=sh&command=-c"
        + "&command=PGPASSWORD%3D" + PASSWORD + "&stdin=true");

    List<RecordingEvent> events = new ArrayList<>();
    events.add(event(0, T0, "session.start").setSessionStart(SessionStarted.newBuilder().setKind("ssh")
        .setUser(start.path("user").asText()).setLogin(start.path("login").asText())
        .setServerHostname(start.path("server_hostname").asText())
        .addInitialCommand("PGPASSWORD=" + PASSWORD + " psql -h db-7 -U app")).build());
    events.add(event(1, T0 + 1_000, "session.command").setCommand(command(mysql)).build());
    events.add(event(2, T0 + 2_000, "session.command").setCommand(command(curl)).build());
    events.add(event(3, T0 + 3_000, "exec").setExec(ExecCommand.newBuilder().setCommand(exec.path("command").asText())
        .setExitCode("0")).build());
    events.add(event(4, T0 + 4_000, "db.session.query").setDbQuery(DatabaseQuery.newBuilder()
        .setDatabase(query.path("db_name").asText()).setQuery(query.path("db_query").asText())).build());
    events.add(event(5, T0 + 5_000, "kube.request").setKubeRequest(KubeRequest.newBuilder()
        .setVerb(kube.path("verb").asText()).setRequestPath(kube.path("request_path").asText())
        .setResponseCode(kube.path("response_code").asInt())).build());
    events.add(event(6, T0 + 6_000, "session.end").setSessionEnd(SessionEnded.newBuilder().setStartMs(T0)
        .setEndMs(T0 + 6_000)).build());
    events.add(event(7, T0 + 6_000, "").setComplete(RecordingComplete.newBuilder().setFormat("protostream-v1")
        .setParseError("unexpected chunk after 'export GITHUB_TOKEN=" + TOKEN + "'")).build());
    d.audit.pipeInput(SID, TeleportAuditEvent.newBuilder().setUid("u-1").setType("session.start").setSessionId(SID)
        .setTimeMs(T0).setUser(start.path("user").asText()).setKind("ssh")
        .addInitialCommand("mysql -u root -p" + PASSWORD).build());
    d.pipe(events);

    SessionFeatures f = d.features.readValue();
    assertThat(f.toString()).doesNotContain(PASSWORD, TOKEN, "hunter2");
    assertThat(f.getNotableEventsList()).extracting(NotableEvent::getSummary).containsExactly(
        "/usr/bin/mysql -h db-7 -u app -p[REDACTED:password] app (rc=0)",
        "/usr/bin/curl -sS -H Authorization: token [REDACTED:github-token] https://api.example.test/repos (rc=0)",
        "psql postgres://[REDACTED:url-credentials]@db-7:5432/app -c 'select 1' (exit 0)",
        // a query's statement text is not kept at all: its kind and length (the event says it did not succeed)
        query.path("db_name").asText() + ": ALTER (" + query.path("db_query").asText().length()
            + " characters, failed)",
        "GET /api/v1/namespaces/prod/pods/web-1/exec?command=sh&command=-c&command=PGPASSWORD%3D[REDACTED:password]"
            + "&stdin=true -> 200");
    assertThat(f.getTeleport().getInitialCommandList())
        .containsExactly("PGPASSWORD=[REDACTED:password] psql -h db-7 -U app");
    assertThat(f.getTeleport().getParseError()).contains("GITHUB_TOKEN=[REDACTED:");
    // what is not a secret is kept: the identity fields still say who it was
    assertThat(f.getUser()).isEqualTo(start.path("user").asText());

    // the state the featurizer keeps (and its changelog topics) never held the secrets either
    for (String store : List.of("teleport-sessions", "teleport-timers")) {
      var topic = d.driver.createOutputTopic("featurizer-test-" + store + "-changelog",
          Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
      for (byte[] value : topic.readValuesToList()) {
        if (value != null) {
          String s = new String(value, StandardCharsets.ISO_8859_1);
          assertThat(s).as(store).doesNotContain(PASSWORD, TOKEN);
        }
      }
    }
  }

  @Test
  void realCommandsWithoutSecretsAreKeptAsTheyWere() {
    // the fixtures' own session.command events (nmap, nc, crontab, ping, …): the program is put first, nothing redacted
    List<RecordingEvent> events = new ArrayList<>();
    events.add(event(0, T0, "session.start").setSessionStart(SessionStarted.newBuilder().setKind("ssh")).build());
    List<String> expected = new ArrayList<>();
    int i = 1;
    for (ObjectNode c : TeleportAuditFixtures.events("session.command")) {
      events.add(event(i, T0 + i * 1000L, "session.command").setCommand(command(c)).build());
      List<String> argv = new ArrayList<>();
      c.path("argv").forEach(a -> argv.add(a.asText()));
      String line = c.path("path").asText() + (argv.isEmpty() ? "" : " " + String.join(" ", argv));
      expected.add(line + " (rc=" + c.path("return_code").asInt() + ")");
      i++;
    }
    events.add(event(i, T0 + i * 1000L, "session.end").setSessionEnd(SessionEnded.newBuilder()).build());
    events.add(event(i + 1, T0 + i * 1000L, "").setComplete(RecordingComplete.newBuilder().setFormat("protostream-v1"))
        .build());
    d.pipe(events);
    SessionFeatures f = d.features.readValue();
    assertThat(expected).hasSizeGreaterThanOrEqualTo(8);
    assertThat(f.getNotableEventsList()).extracting(NotableEvent::getSummary).containsExactlyElementsOf(expected);
  }

  private static RecordingEvent.Builder event(long index, long timeMs, String type) {
    return RecordingEvent.newBuilder().setSessionId(SID).setIndex(index).setTimeMs(timeMs).setType(type)
        .setRecordingUri("s3://recordings/sessions/" + SID + ".tar");
  }

  /** A session.command audit event as the decoder turns it into a recording event. */
  private static CommandExecuted command(ObjectNode c) {
    CommandExecuted.Builder b = CommandExecuted.newBuilder().setPath(c.path("path").asText())
        .setProgram(c.path("program").asText()).setReturnCode(c.path("return_code").asInt())
        .setPid(c.path("pid").asLong()).setPpid(c.path("ppid").asLong());
    for (JsonNode a : c.path("argv")) {
      b.addArgv(a.asText());
    }
    return b.build();
  }
}
