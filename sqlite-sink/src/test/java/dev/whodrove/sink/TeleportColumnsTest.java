package dev.whodrove.sink;

import static dev.whodrove.sink.Verdicts.T0;
import static dev.whodrove.sink.Verdicts.label;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.testkit.TeleportAuditFixtures;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Teleport columns the audit log and the decoder fill: notable events of BPF events carry the study CLI's payloads
 * ({path, argv, return_code, ppid} for commands, destinations for connections, paths for disk writes), with argv
 * redacted even when the writer did not; {@code uploaded_at} and {@code recording_bytes}.
 */
class TeleportColumnsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void bpfNotableEventsCarryTheStudyPayloadRedacted() throws Exception {
    ObjectNode cmd = TeleportAuditFixtures.events("session.command").stream()
        .filter(o -> o.path("program").asText().equals("nc")).findFirst().orElseThrow();
    ObjectNode net = TeleportAuditFixtures.events("session.network").get(1);
    SessionVerdict v = Verdicts.teleport("s-bpf", 1, 0, label("operator.type", "agent", "phase1-classifier@v1", T0));
    var f = v.getFeatures().toBuilder()
        .addNotableEvents(NotableEvent.newBuilder().setKind("agent-cli").setTimeMs(T0).setTool("claude-code")
            .setPath("/usr/local/bin/claude").setPid(200).setPpid(100).setProgram("claude").setSummary("claude-code"))
        .addNotableEvents(NotableEvent.newBuilder().setKind("command").setTimeMs(T0 + 1_000)
            .setRef(cmd.get("ei").asText()).setPath(cmd.get("path").asText())
            .addAllArgv(List.of("-l", "-p", cmd.get("argv").get(2).asText())).setReturnCode(0)
            .setPid(cmd.get("pid").asLong()).setPpid(cmd.get("ppid").asLong()).setProgram("nc")
            .setSummary("/bin/nc -l -p 11434 (rc=0)"))
        .addNotableEvents(NotableEvent.newBuilder().setKind("command").setTimeMs(T0 + 2_000).setPath("/usr/bin/mysql")
            .addAllArgv(List.of("-uroot", "--password", "hunter2-Sup3rS3cret", "app")).setPpid(7).setPid(8)
            .setSummary("/usr/bin/mysql -uroot --password hunter2-Sup3rS3cret app (rc=0)"))
        .addNotableEvents(NotableEvent.newBuilder().setKind("network").setTimeMs(T0 + 3_000)
            .setSrcAddr(net.get("src_addr").asText()).setDstAddr(net.get("dst_addr").asText())
            .setDstPort(net.get("dst_port").asInt()).setAction("observed").setPid(net.get("pid").asLong())
            .setProgram("nmap").setSummary("nmap connect"))
        .addNotableEvents(NotableEvent.newBuilder().setKind("disk").setTimeMs(T0 + 4_000).setPath("/etc/crontab")
            .setFlags(0101).setPid(9).setProgram("crontab").setSummary("crontab writes /etc/crontab"))
        .addNotableEvents(NotableEvent.newBuilder().setKind("join").setTimeMs(T0 + 5_000).setSummary("bob"));
    try (SessionDatabase store = SessionDatabase.open(dir.resolve("s.sqlite"))) {
      store.apply(v.toBuilder().setFeatures(f).build());
      List<SessionDetail.NotableEventRow> rows = store.showSession("s-bpf").orElseThrow().notableEvents();
      assertThat(rows).extracting(SessionDetail.NotableEventRow::eventType)
          .containsExactly("agent-cli", "session.command", "session.command", "session.network", "session.disk",
              "session.join");
      JsonNode agent = JSON.readTree(rows.get(0).payload());
      assertThat(agent.get("tool").asText()).isEqualTo("claude-code");
      assertThat(agent.get("ppid").asLong()).isEqualTo(100);
      JsonNode nc = JSON.readTree(rows.get(1).payload());
      assertThat(nc.get("path").asText()).isEqualTo("/bin/nc");
      assertThat(nc.get("argv")).hasSize(3);
      assertThat(nc.get("argv").get(2).asText()).isEqualTo("11434");
      assertThat(nc.get("return_code").asInt()).isZero();
      assertThat(nc.get("ppid").asLong()).isEqualTo(cmd.get("ppid").asLong());
      assertThat(nc.get("summary").asText()).contains("nc -l");
      String mysql = rows.get(2).payload();
      assertThat(mysql).doesNotContain("hunter2").contains("[REDACTED");
      assertThat(JSON.readTree(mysql).get("argv")).hasSize(4);
      JsonNode n = JSON.readTree(rows.get(3).payload());
      assertThat(n.get("dst_addr").asText()).isEqualTo(net.get("dst_addr").asText());
      assertThat(n.get("dst_port").asInt()).isEqualTo(1723);
      assertThat(JSON.readTree(rows.get(4).payload()).get("flags").asInt()).isEqualTo(0101);
      assertThat(rows.get(5).payload()).isEqualTo("{\"kind\":\"join\",\"summary\":\"bob\"}");
    }
  }

  @Test
  void uploadedAtIsTheUploadEventAndRecordingBytesTheObjectSize() throws Exception {
    SessionVerdict plain = Verdicts.teleport("s-up", 1, 0, label("operator.type", "human", "phase1-classifier@v1", T0));
    var f = plain.getFeatures().toBuilder();
    f.getTeleportBuilder().setUploadedAtMs(T0 + 605_000).setRecordingBytes(98_765);
    try (SessionDatabase store = SessionDatabase.open(dir.resolve("u.sqlite"))) {
      store.apply(plain);
      SessionDetail before = store.showSession("s-up").orElseThrow();
      assertThat(before.column("uploaded_at")).isEqualTo("2026-01-01T00:10:00Z"); // no upload seen: the end
      assertThat(before.column("recording_bytes")).isNull();
      store.apply(plain.toBuilder().setFeatures(f.setRevision(2)).build());
      SessionDetail after = store.showSession("s-up").orElseThrow();
      assertThat(after.column("uploaded_at")).isEqualTo("2026-01-01T00:10:05Z");
      assertThat(after.column("ended_at")).isEqualTo("2026-01-01T00:10:00Z");
      assertThat(((Number) after.column("recording_bytes")).longValue()).isEqualTo(98_765);
    }
  }
}
