package dev.whodrove.ingest.teleport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import dev.whodrove.testkit.TeleportAuditFixtures;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Real audit events with secrets planted where Teleport puts what was run: published without them. */
class AuditEventRedactionTest {
  static final String PASSWORD = "hunter2-Sup3rS3cret";
  private final AuditEventParser parser = new AuditEventParser(AuditEventParser.DEFAULT_MAX_BYTES,
      Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
  private final SourcePosition pos = SourcePosition.newBuilder().setSource("file").setLocator("x").build();

  private TeleportAuditEvent parse(ObjectNode event) throws EventRejectedException {
    TeleportAuditEvent e = parser.parse(event.toString(), pos);
    assertThat(e.toString()).doesNotContain(PASSWORD, "hunter2");
    return e;
  }

  @Test
  void sessionCommandArgvLosesThePasswordAndKeepsTheRest() throws Exception {
    ObjectNode c = TeleportAuditFixtures.first("session.command");
    c.put("program", "mysql").put("path", "/usr/bin/mysql");
    c.putArray("argv").add("-h").add("db-7").add("-u").add("root").add("-p" + PASSWORD).add("app");
    ObjectNode published = TeleportAuditFixtures.parse(parse(c).getOriginalJson());
    assertThat(published.path("argv").toString())
        .isEqualTo("[\"-h\",\"db-7\",\"-u\",\"root\",\"-p[REDACTED:password]\",\"app\"]");
    // everything else is the event as Teleport wrote it
    published.remove("argv");
    c.remove("argv");
    assertThat(published).isEqualTo(c);
  }

  @Test
  void execDatabaseKubeAndSessionStartFieldsAreRedacted() throws Exception {
    ObjectNode exec = TeleportAuditFixtures.first("exec");
    exec.put("command", "sh -c 'PGPASSWORD=" + PASSWORD + " psql -h db -U app'");
    assertThat(parse(exec).getOriginalJson()).contains("PGPASSWORD=[REDACTED:password] psql");

    ObjectNode query = TeleportAuditFixtures.first("db.session.query");
    query.put("db_query", "ALTER USER app WITH PASSWORD '" + PASSWORD + "'");
    query.put("db_uri", "postgres://app:" + PASSWORD + "@db-7:5432/app");
    String q = parse(query).getOriginalJson();
    assertThat(q).contains("WITH PASSWORD [REDACTED:password]", "postgres://[REDACTED:url-credentials]@db-7:5432/app");

    ObjectNode bind = TeleportAuditFixtures.first("db.session.postgres.statements.bind");
    bind.putArray("parameters").add("alice").add("password=" + PASSWORD);
    assertThat(parse(bind).getOriginalJson()).contains("[\"alice\",\"password=[REDACTED:password]\"]");

    ObjectNode kube = TeleportAuditFixtures.first("kube.request");
    kube.put("request_path", "/api/v1/namespaces/prod/pods/web-1/exec?command=env&token=" + PASSWORD);
    assertThat(parse(kube).getOriginalJson()).contains("&token=[REDACTED:password]");

    ObjectNode start = TeleportAuditFixtures.first("session.start");
    start.putArray("initial_command").add("mysql -u root -p" + PASSWORD + " app");
    TeleportAuditEvent s = parse(start);
    assertThat(s.getInitialCommandList()).containsExactly("mysql -u root -p[REDACTED:password] app");
    assertThat(s.getUser()).isEqualTo(start.path("user").asText()); // identity is not a secret: kept
  }

  @Test
  void eventsWithoutSecretsArePublishedByteForByte() throws Exception {
    for (String file : TeleportAuditFixtures.FILES) {
      for (String line : TeleportAuditFixtures.lines(file)) {
        try {
          assertThat(parser.parse(line, pos).getOriginalJson()).isEqualTo(line);
        } catch (EventRejectedException e) {
          // the one fixture with an impossible time; AuditEventParserTest names it
        }
      }
    }
  }
}
