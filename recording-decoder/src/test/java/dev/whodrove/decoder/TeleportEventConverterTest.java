package dev.whodrove.decoder;

import static dev.whodrove.decoder.TestEvents.md;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import dev.whodrove.schemas.teleport.AppMetadata;
import dev.whodrove.schemas.teleport.AppSessionStart;
import dev.whodrove.schemas.teleport.BPFMetadata;
import dev.whodrove.schemas.teleport.CommandMetadata;
import dev.whodrove.schemas.teleport.ConnectionMetadata;
import dev.whodrove.schemas.teleport.DatabaseMetadata;
import dev.whodrove.schemas.teleport.DatabaseSessionEnd;
import dev.whodrove.schemas.teleport.DatabaseSessionQuery;
import dev.whodrove.schemas.teleport.DatabaseSessionStart;
import dev.whodrove.schemas.teleport.Exec;
import dev.whodrove.schemas.teleport.KubeRequest;
import dev.whodrove.schemas.teleport.KubernetesClusterMetadata;
import dev.whodrove.schemas.teleport.KubernetesPodMetadata;
import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.schemas.teleport.SessionDisk;
import dev.whodrove.schemas.teleport.SessionEnd;
import dev.whodrove.schemas.teleport.SessionJoin;
import dev.whodrove.schemas.teleport.SessionLeave;
import dev.whodrove.schemas.teleport.SessionNetwork;
import dev.whodrove.schemas.teleport.SessionStart;
import dev.whodrove.schemas.teleport.SessionUpload;
import dev.whodrove.schemas.teleport.Status;
import dev.whodrove.schemas.teleport.UserMetadata;
import dev.whodrove.schemas.teleport.WindowsDesktopSessionStart;
import dev.whodrove.schemas.v1.RecordingEvent;
import org.junit.jupiter.api.Test;

class TeleportEventConverterTest {
  private final TeleportEventConverter conv = new TeleportEventConverter("sid", "s3://b/sid.tar", PrintPayload.DERIVED);

  @Test
  void sessionStartVariantsCarryTheirKind() {
    RecordingEvent ssh = conv.convert(TestEvents.start(0));
    assertThat(ssh.getSessionStart().getKind()).isEqualTo("ssh");
    assertThat(ssh.getSessionStart().getUser()).isEqualTo("alice");
    assertThat(ssh.getSessionStart().getLogin()).isEqualTo("root");
    assertThat(ssh.getSessionStart().getCluster()).isEqualTo("example-cluster");
    assertThat(ssh.getSessionStart().getServerHostname()).isEqualTo("web-1");
    assertThat(ssh.getSessionStart().getServerLabelsMap()).containsEntry("env", "prod");
    assertThat(ssh.getSessionStart().getTerminalSize()).isEqualTo("120:40");
    assertThat(ssh.getSessionStart().getRemoteAddr()).isEqualTo("10.0.0.9:51234");
    assertThat(ssh.getTimeMs()).isEqualTo(TestEvents.T0);
    assertThat(ssh.getSessionId()).isEqualTo("sid");
    assertThat(ssh.getRecordingUri()).isEqualTo("s3://b/sid.tar");

    RecordingEvent kube = conv.convert(OneOf.newBuilder().setSessionStart(SessionStart.newBuilder()
        .setMetadata(md(0, "session.start", 1)).setConnection(ConnectionMetadata.newBuilder().setProtocol("kube"))
        .setKubernetesCluster(KubernetesClusterMetadata.newBuilder().setKubernetesCluster("prod-gke"))
        .setKubernetesPod(KubernetesPodMetadata.newBuilder().setKubernetesPodName("api-0"))).build());
    assertThat(kube.getSessionStart().getKind()).isEqualTo("kube");
    assertThat(kube.getSessionStart().getKubeCluster()).isEqualTo("prod-gke");
    assertThat(kube.getSessionStart().getKubePod()).isEqualTo("api-0");

    RecordingEvent db = conv.convert(OneOf.newBuilder().setDatabaseSessionStart(DatabaseSessionStart.newBuilder()
        .setMetadata(md(0, "db.session.start", 1))
        .setDatabase(DatabaseMetadata.newBuilder().setDatabaseService("orders").setDatabaseProtocol("postgres")))
        .build());
    assertThat(db.getSessionStart().getKind()).isEqualTo("db");
    assertThat(db.getSessionStart().getDbService()).isEqualTo("orders");
    assertThat(db.getSessionStart().getProtocol()).isEqualTo("postgres");

    RecordingEvent app = conv.convert(OneOf.newBuilder().setAppSessionStart(AppSessionStart.newBuilder()
        .setMetadata(md(0, "app.session.start", 1)).setApp(AppMetadata.newBuilder().setAppName("grafana"))).build());
    assertThat(app.getSessionStart().getKind()).isEqualTo("app");
    assertThat(app.getSessionStart().getAppName()).isEqualTo("grafana");

    RecordingEvent desktop = conv.convert(OneOf.newBuilder().setWindowsDesktopSessionStart(
        WindowsDesktopSessionStart.newBuilder().setMetadata(md(0, "windows.desktop.session.start", 1))
            .setDesktopAddr("10.1.1.1:3389").setWindowsUser("Administrator")).build());
    assertThat(desktop.getSessionStart().getKind()).isEqualTo("desktop");
    assertThat(desktop.getSessionStart().getDesktopAddr()).isEqualTo("10.1.1.1:3389");
    assertThat(desktop.getSessionStart().getLogin()).isEqualTo("Administrator");
  }

  @Test
  void sessionEndsKeepTimesAndParticipants() {
    RecordingEvent end = conv.convert(TestEvents.end(9));
    assertThat(end.getSessionEnd().getKind()).isEqualTo("ssh");
    assertThat(end.getSessionEnd().getInteractive()).isTrue();
    assertThat(end.getSessionEnd().getParticipantsList()).containsExactly("alice");
    assertThat(end.getSessionEnd().getStartMs()).isEqualTo(TestEvents.T0 / 1000 * 1000);
    assertThat(end.getSessionEnd().getEndMs()).isEqualTo((TestEvents.T0 / 1000 + 60) * 1000);

    RecordingEvent goZero = conv.convert(OneOf.newBuilder().setSessionEnd(SessionEnd.newBuilder()
        .setMetadata(md(1, "session.end", 1)).setStartTime(Timestamp.newBuilder().setSeconds(-62_135_596_800L)))
        .build());
    assertThat(goZero.getSessionEnd().getStartMs()).isZero();

    RecordingEvent db = conv.convert(OneOf.newBuilder().setDatabaseSessionEnd(DatabaseSessionEnd.newBuilder()
        .setMetadata(md(5, "db.session.end", 1)).addParticipants("bob")).build());
    assertThat(db.getSessionEnd().getKind()).isEqualTo("db");
  }

  @Test
  void enhancedRecordingAndActivityEvents() {
    RecordingEvent cmd = conv.convert(TestEvents.command(3, "/bin/ls"));
    assertThat(cmd.getCommand().getPath()).isEqualTo("/bin/ls");
    assertThat(cmd.getCommand().getArgvList()).containsExactly("ls", "-la");
    assertThat(cmd.getCommand().getPid()).isEqualTo(4242);
    assertThat(cmd.getCommand().getPpid()).isEqualTo(4000);
    assertThat(cmd.getCommand().getProgram()).isEqualTo("ls");

    RecordingEvent net = conv.convert(OneOf.newBuilder().setSessionNetwork(SessionNetwork.newBuilder()
        .setMetadata(md(4, "session.network", 1)).setBPF(BPFMetadata.newBuilder().setProgram("curl").setPID(7))
        .setSrcAddr("10.0.0.2").setDstAddr("1.2.3.4").setDstPort(443).setTCPVersion(4).setOperation(0)
        .setAction(1)).build());
    assertThat(net.getNetwork().getDstAddr()).isEqualTo("1.2.3.4");
    assertThat(net.getNetwork().getDstPort()).isEqualTo(443);
    assertThat(net.getNetwork().getOperation()).isEqualTo("connect");
    assertThat(net.getNetwork().getAction()).isEqualTo("denied");

    RecordingEvent disk = conv.convert(OneOf.newBuilder().setSessionDisk(SessionDisk.newBuilder()
        .setMetadata(md(5, "session.disk", 1)).setPath("/etc/shadow").setFlags(0).setReturnCode(-13)).build());
    assertThat(disk.getDisk().getPath()).isEqualTo("/etc/shadow");
    assertThat(disk.getDisk().getReturnCode()).isEqualTo(-13);

    RecordingEvent join = conv.convert(OneOf.newBuilder().setSessionJoin(SessionJoin.newBuilder()
        .setMetadata(md(6, "session.join", 1)).setUser(UserMetadata.newBuilder().setUser("carol"))).build());
    assertThat(join.getJoin().getUser()).isEqualTo("carol");
    RecordingEvent leave = conv.convert(OneOf.newBuilder().setSessionLeave(SessionLeave.newBuilder()
        .setMetadata(md(7, "session.leave", 1)).setUser(UserMetadata.newBuilder().setUser("carol"))).build());
    assertThat(leave.getLeave().getUser()).isEqualTo("carol");

    RecordingEvent exec = conv.convert(OneOf.newBuilder().setExec(Exec.newBuilder().setMetadata(md(8, "exec", 1))
        .setCommand(CommandMetadata.newBuilder().setCommand("uptime").setExitCode("0"))
        .setKubernetesPod(KubernetesPodMetadata.newBuilder().setKubernetesPodNamespace("prod"))).build());
    assertThat(exec.getExec().getCommand()).isEqualTo("uptime");
    assertThat(exec.getExec().getExitCode()).isEqualTo("0");
    assertThat(exec.getExec().getKubeNamespace()).isEqualTo("prod");

    RecordingEvent query = conv.convert(OneOf.newBuilder().setDatabaseSessionQuery(DatabaseSessionQuery.newBuilder()
        .setMetadata(md(9, "db.session.query", 1)).setDatabaseQuery("select 1;".repeat(300))
        .setDatabase(DatabaseMetadata.newBuilder().setDatabaseName("orders").setDatabaseUser("app"))
        .setStatus(Status.newBuilder().setSuccess(true))).build());
    assertThat(query.getDbQuery().getQuery()).hasSize(1024);
    assertThat(query.getDbQuery().getSuccess()).isTrue();
    assertThat(query.getDbQuery().getDatabase()).isEqualTo("orders");

    RecordingEvent kube = conv.convert(OneOf.newBuilder().setKubeRequest(KubeRequest.newBuilder()
        .setMetadata(md(10, "kube.request", 1)).setVerb("GET").setRequestPath("/api/v1/pods")
        .setResourceKind("pods").setResponseCode(200)).build());
    assertThat(kube.getKubeRequest().getVerb()).isEqualTo("GET");
    assertThat(kube.getKubeRequest().getResponseCode()).isEqualTo(200);

    RecordingEvent resize = conv.convert(TestEvents.resize(11, "100:30"));
    assertThat(resize.getResize().getTerminalSize()).isEqualTo("100:30");
  }

  @Test
  void eventsWithoutPipelineValueAreDropped() {
    assertThat(conv.convert(OneOf.newBuilder().setSessionUpload(SessionUpload.newBuilder()
        .setMetadata(md(1, "session.upload", 1))).build())).isNull();
    assertThat(conv.convert(OneOf.getDefaultInstance())).isNull();
  }

  @Test
  void rawPayloadOnlyWhenConfigured() {
    OneOf p = TestEvents.print(1, 0, "secret\n", 5, 0);
    assertThat(conv.convert(p).getPrint().getRaw().isEmpty()).isTrue();
    assertThat(new TeleportEventConverter("s", "u", PrintPayload.RAW).convert(p).getPrint().getRaw().toStringUtf8())
        .isEqualTo("secret\n");
  }
}
