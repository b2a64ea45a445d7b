package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.schemas.v1.AgentCliEvidence;
import dev.whodrove.schemas.v1.BpfActivity;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import dev.whodrove.testkit.TeleportAuditFixtures;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** BPF events (session.command, session.network, session.disk) into the session's {@link BpfActivity}. */
class BpfFeaturesTest {
  static final long T = Recordings.T0;
  /**
   * What version 4 appends to version 3 for a session without BPF, Kubernetes or database events: a flag per side for
   * each accumulator (six) and the audit side's dropped notable count.
   */
  static final int EMPTY_V4_TRAILER = 7;

  /** A person at bash (pid 100) starts claude (pid 200); the agent's shell tool runs commands under it. */
  static BpfAuditEvents claudeSession(String sid) {
    return new BpfAuditEvents(sid)
        .command(T, 150, 100, "/usr/bin/ls", "-la")
        .command(T + 9_000, 200, 100, "/usr/local/bin/claude")
        .command(T + 9_040, 200, 100, "/usr/bin/node", "/usr/local/bin/claude")
        .connect(T + 9_500, 200, "node", "160.79.104.10", 443)
        .command(T + 21_000, 300, 200, "/bin/bash", "-c", "-l", "source /tmp/snap.sh && eval 'git status' < /dev/null")
        .command(T + 21_010, 301, 300, "/usr/bin/git", "status")
        .open(T + 21_020, 301, "git", "/srv/app/.git/index.lock", 0101)
        .command(T + 33_000, 302, 200, "/bin/bash", "-c", "-l", "cat > notes.md <<'EOF'\nhello\nEOF")
        .command(T + 33_004, 303, 302, "/usr/bin/cat")
        .command(T + 40_000, 400, 100, "/usr/bin/vim", "notes.md");
  }

  static SessionFeatures featurize(List<TeleportAuditEvent> audit) {
    TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
    audit.forEach(acc::addAudit);
    return acc.build(audit.get(0).getSessionId());
  }

  @Test
  void anAgentCliAndItsProcessTree() {
    SessionFeatures f = featurize(claudeSession("s1").events());
    BpfActivity b = f.getTeleport().getBpf();
    assertThat(b.getSource()).isEqualTo("audit");
    assertThat(b.getCommands()).isEqualTo(8);
    assertThat(f.getTeleport().getCommandCount()).isEqualTo(8);
    assertThat(f.getTeleport().getBpfPresent()).isTrue();
    assertThat(b.getShellWrappers()).isEqualTo(2);
    assertThat(b.getCompoundScripts()).isEqualTo(2);
    assertThat(b.getHeredocScripts()).isEqualTo(1);
    assertThat(b.getProcesses()).isEqualTo(7); // 200 exec'd twice under one parent: one process
    assertThat(b.getRootProcesses()).isEqualTo(3); // 150, 200, 400 under the untracked login shell
    assertThat(b.getMaxTreeDepth()).isEqualTo(2);
    assertThat(b.getConnections()).isEqualTo(1);
    assertThat(b.getProviderConnections()).isEqualTo(1);
    assertThat(b.getTopDestinations(0).getName()).isEqualTo("160.79.104.10:443");
    assertThat(b.getDiskEvents()).isEqualTo(1);
    assertThat(b.getDiskWrites()).isEqualTo(1);
    assertThat(b.getCommandBursts()).isEqualTo(5); // ls | claude+node | bash+git | bash+cat | vim
    assertThat(b.getBurstGaps210S() + b.getBurstGaps1040S()).isEqualTo(4);
    assertThat(b.getCommandSpanS()).isEqualTo(40.0);
    assertThat(b.getCommandsPerMin()).isEqualTo(12.0);

    AgentCliEvidence a = b.getAgentCli();
    assertThat(a.getTool()).isEqualTo("claude-code");
    assertThat(a.getMatchedBy()).isEqualTo("program:claude");
    assertThat(a.getPid()).isEqualTo(200);
    assertThat(a.getStartedMs()).isEqualTo(T + 9_000);
    assertThat(a.getDescendantCommands()).isEqualTo(4);
    assertThat(a.getDescendantShellWrappers()).isEqualTo(2);
    assertThat(a.getOtherCommandsAfter()).isEqualTo(1); // vim, typed by the person
    assertThat(a.getTreeConnections()).isEqualTo(1);
    assertThat(a.getProviderConnections()).isEqualTo(1);
    assertThat(a.getTreeDiskEvents()).isEqualTo(1);

    List<NotableEvent> notable = f.getNotableEventsList();
    assertThat(notable).extracting(NotableEvent::getKind).contains("agent-cli", "command", "network", "disk");
    NotableEvent agent = notable.stream().filter(n -> n.getKind().equals("agent-cli")).findFirst().orElseThrow();
    assertThat(agent.getTool()).isEqualTo("claude-code");
    assertThat(agent.getPid()).isEqualTo(200);
    assertThat(agent.getPpid()).isEqualTo(100);
    NotableEvent git = notable.stream().filter(n -> n.getPath().equals("/usr/bin/git")).findFirst().orElseThrow();
    assertThat(git.getArgvList()).containsExactly("status");
    assertThat(git.getPpid()).isEqualTo(300);
  }

  @Test
  void theAgentsOwnReExecsAreNotItsWork() {
    BpfAuditEvents e = new BpfAuditEvents("s7").command(T, 200, 100, "/usr/local/bin/claude")
        .command(T + 5, 200, 100, "/usr/local/sbin/env") // a PATH lookup on the way to node
        .command(T + 9, 200, 100, "/usr/bin/node", "/usr/local/bin/claude")
        .command(T + 9_000, 201, 200, "/bin/bash", "-lc", "make test");
    AgentCliEvidence a = featurize(e.events()).getTeleport().getBpf().getAgentCli();
    assertThat(a.getDescendantCommands()).isEqualTo(1);
    assertThat(a.getOtherCommandsAfter()).isZero();
  }

  @Test
  void aPersonRunningOrdinaryProgramsHasNoAgentCli() {
    BpfAuditEvents e = new BpfAuditEvents("s2").command(T, 150, 100, "/usr/bin/ls", "-la")
        .command(T + 8_000, 151, 100, "/usr/bin/node", "server.js")
        .command(T + 20_000, 152, 100, "/usr/bin/python3", "manage.py", "migrate")
        .command(T + 35_000, 153, 100, "/usr/bin/git", "log", "--oneline")
        .command(T + 35_002, 154, 100, "/usr/bin/less")
        .connect(T + 36_000, 151, "node", "93.184.216.34", 443);
    BpfActivity b = featurize(e.events()).getTeleport().getBpf();
    assertThat(b.hasAgentCli()).isFalse();
    assertThat(b.getShellWrappers()).isZero();
    assertThat(b.getProviderConnections()).isZero();
    assertThat(b.getDistinctPrograms()).isEqualTo(5);
    assertThat(b.getCommandBursts()).isEqualTo(4);
  }

  @Test
  void secretsInArgvAreRedactedInNotableEventsAndTheAgentCommandLine() {
    BpfAuditEvents e = new BpfAuditEvents("s3")
        .command(T, 200, 100, "/usr/local/bin/claude", "--api-key", "sk-ant-api03-" + "A".repeat(40))
        .command(T + 5_000, 201, 200, "/usr/bin/mysql", "-uroot", "-pHunter2secret", "prod");
    SessionFeatures f = featurize(e.events());
    String all = f.toString();
    assertThat(all).doesNotContain("Hunter2secret").doesNotContain("A".repeat(40));
    NotableEvent mysql = f.getNotableEventsList().stream().filter(n -> n.getPath().endsWith("mysql")).findFirst()
        .orElseThrow();
    assertThat(mysql.getArgvList()).hasSize(3).contains("-uroot", "prod");
  }

  @Test
  void realAuditSamplesConvert() {
    List<ObjectNode> commands = TeleportAuditFixtures.events("session.command");
    assertThat(commands).hasSizeGreaterThanOrEqualTo(9);
    for (ObjectNode o : commands) {
      RecordingEvent e = AuditEventDetails.toRecordingEvent(event(o));
      assertThat(e.getCommand().getPath()).isEqualTo(o.get("path").asText());
      assertThat(e.getCommand().getPid()).isEqualTo(o.get("pid").asLong());
      assertThat(e.getCommand().getPpid()).isEqualTo(o.get("ppid").asLong());
      assertThat(e.getCommand().getArgvCount()).isEqualTo(o.get("argv").size());
    }
    // dst_port written as a string in one sample, action 1 = denied
    ObjectNode net = TeleportAuditFixtures.first("session.network");
    RecordingEvent n = AuditEventDetails.toRecordingEvent(event(net));
    assertThat(n.getNetwork().getDstPort()).isEqualTo(3000);
    assertThat(n.getNetwork().getAction()).isEqualTo("denied");
    assertThat(n.getNetwork().getPid()).isEqualTo(2653);
    RecordingEvent disk = AuditEventDetails.toRecordingEvent(event(TeleportAuditFixtures.first("session.disk")));
    assertThat(disk.getDisk().getPath()).isEqualTo("/etc/profile.d/");

    // the samples of one session (nmap) through the accumulator
    List<TeleportAuditEvent> nmap = TeleportAuditFixtures.events("session.command").stream()
        .filter(o -> o.path("program").asText().equals("nmap")).map(BpfFeaturesTest::event).toList();
    BpfActivity b = featurize(nmap).getTeleport().getBpf();
    assertThat(b.getCommands()).isEqualTo(2);
    assertThat(b.getTopPrograms(0).getName()).isEqualTo("nmap");
    assertThat(b.hasAgentCli()).isFalse();
  }

  static TeleportAuditEvent event(ObjectNode o) {
    return TeleportAuditEvent.newBuilder().setUid(o.path("uid").asText()).setType(o.get("event").asText())
        .setSessionId(o.path("sid").asText()).setTimeMs(Instant.parse(o.get("time").asText()).toEpochMilli())
        .setOriginalJson(o.toString()).build();
  }

  @Test
  void recordingBpfEventsWinAndAreNotCountedTwice() {
    TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
    claudeSession("s4").events().forEach(acc::addAudit);
    Recordings rec = new Recordings("s4").start(true).prints(Recordings.humanGaps(new java.util.Random(2), 50))
        .command(T + 1_000, "/bin/ls", "-la").end(true).complete();
    rec.events().forEach(acc::add);
    SessionFeatures f = acc.build("s4");
    assertThat(f.getTeleport().getBpf().getSource()).isEqualTo("recording");
    assertThat(f.getTeleport().getBpf().getCommands()).isEqualTo(1);
    assertThat(f.getTeleport().getCommandCount()).isEqualTo(1);
    assertThat(f.getNotableEventsList()).noneMatch(n -> n.getKind().equals("agent-cli"));
    // a new delivery of the recording without BPF events: back to the audit log's
    Recordings again = new Recordings("s4").start(true).prints(Recordings.humanGaps(new java.util.Random(2), 50))
        .end(true).complete();
    again.events().forEach(acc::add);
    f = acc.build("s4");
    assertThat(f.getTeleport().getBpf().getSource()).isEqualTo("audit");
    assertThat(f.getTeleport().getBpf().getAgentCli().getTool()).isEqualTo("claude-code");
  }

  @Test
  void stateRoundTripsMidSessionAndVersionThreeStateIsRead() {
    List<TeleportAuditEvent> events = claudeSession("s5").events();
    TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
    for (int i = 0; i < events.size(); i++) {
      acc.addAudit(events.get(i));
      acc = TeleportSessionAccumulator.fromBytes(acc.toBytes());
    }
    assertThat(acc.build("s5")).isEqualTo(featurize(events));

    // version 3 wrote exactly version 4's bytes without its trailer (absent-accumulator flags and a zero count)
    TeleportSessionAccumulator plain = new TeleportSessionAccumulator();
    new Recordings("s6").start(true).prints(Recordings.humanGaps(new java.util.Random(3), 60)).events()
        .forEach(plain::add);
    byte[] v4 = plain.toBytes();
    assertThat(v4[0]).isEqualTo((byte) 4);
    byte[] v3 = Arrays.copyOf(v4, v4.length - EMPTY_V4_TRAILER);
    v3[0] = 3;
    assertThat(TeleportSessionAccumulator.fromBytes(v3).build("s6")).isEqualTo(plain.build("s6"));
    byte[] v9 = v4.clone();
    v9[0] = 9;
    assertThatThrownBy(() -> TeleportSessionAccumulator.fromBytes(v9)).hasMessageContaining("version 9");
  }

  @Test
  void stateStaysBoundedOverAMillionBpfEvents() {
    TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
    java.util.Random r = new java.util.Random(4);
    int max = 0;
    for (int i = 0; i < 1_000_000; i++) {
      long pid = 1000 + i;
      BpfAuditEvents e = new BpfAuditEvents("big");
      if (i % 3 == 0) {
        e.connect(T + i * 10L, pid - 1, "curl", "10.1." + r.nextInt(256) + "." + r.nextInt(256), 1 + r.nextInt(65535));
      } else {
        e.command(T + i * 10L, pid, pid - 1 - r.nextInt(3), "/opt/bin/prog" + r.nextInt(5000), "-c",
            "x".repeat(120));
      }
      acc.addAudit(e.events().get(0));
      if (i % 100_000 == 0 || i == 999_999) {
        byte[] s = acc.toBytes();
        max = Math.max(max, s.length);
        acc = TeleportSessionAccumulator.fromBytes(s);
      }
    }
    assertThat(max).isLessThan(StateSizeTest.LIMIT / 2);
    assertThat(acc.build("big").getTeleport().getBpf().getCommands()).isGreaterThan(600_000);
  }
}
