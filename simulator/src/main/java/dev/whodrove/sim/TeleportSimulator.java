package dev.whodrove.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.whodrove.schemas.teleport.BPFMetadata;
import dev.whodrove.schemas.teleport.CommandMetadata;
import dev.whodrove.schemas.teleport.ConnectionMetadata;
import dev.whodrove.schemas.teleport.Exec;
import dev.whodrove.schemas.teleport.KubernetesClusterMetadata;
import dev.whodrove.schemas.teleport.KubernetesPodMetadata;
import dev.whodrove.schemas.teleport.Metadata;
import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.schemas.teleport.ServerMetadata;
import dev.whodrove.schemas.teleport.SessionCommand;
import dev.whodrove.schemas.teleport.SessionEnd;
import dev.whodrove.schemas.teleport.SessionMetadata;
import dev.whodrove.schemas.teleport.SessionPrint;
import dev.whodrove.schemas.teleport.SessionStart;
import dev.whodrove.schemas.teleport.UserMetadata;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Simulates Teleport sessions of a given profile: the ProtoStream recording events and the JSON audit events
 * (session.start, session.end, session.upload) Teleport writes for them.
 */
public final class TeleportSimulator {
  /** Profiles this simulator knows. */
  public static final List<String> PROFILES = List.of(
      "human", "kimi-k2.6", "gemini-3.1", "opus-4.6", "gpt-5.5", "handoff", "exec", "kube-exec");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CLUSTER = "demo.teleport.example";
  private static final String[] USERS = {"alice", "bob", "carol", "dave", "erin"};
  private static final String[] HOSTS = {"db-01", "api-02", "build-03", "bastion-04"};

  /** Profiles {@link #next} also accepts that are not in {@link #PROFILES} (not part of a mix). */
  public static final List<String> EXTRA_PROFILES = List.of(CadenceModel.UNSEEN_NAME);

  private final Rng rng;
  private double spread;
  private final String recordsUrlPrefix;
  private long clockMs;

  /**
   * @param startMs wall-clock time of the first session
   * @param recordsUrlPrefix what session.upload events name as the storage location, e.g. {@code file:///data/records}
   */
  public TeleportSimulator(long seed, long startMs, String recordsUrlPrefix) {
    this.rng = Rng.of(new SplittableRandom(seed));
    this.clockMs = startMs;
    this.recordsUrlPrefix = recordsUrlPrefix;
  }

  /** Run-to-run variation of the cadence models ({@link CadenceModel#withSpread}); 0 by default. */
  public TeleportSimulator spread(double s) {
    CadenceModel.human().withSpread(s); // validates
    this.spread = s;
    return this;
  }

  /** The next session of {@code profile}; sessions follow each other in time. */
  public SimulatedSession next(String profile) {
    String sid = new UUID(rng.nextLong(), rng.nextLong()).toString();
    String user = USERS[rng.nextInt(USERS.length)];
    String host = HOSTS[rng.nextInt(HOSTS.length)];
    long start = clockMs;
    clockMs += 5_000 + rng.nextInt(60_000);
    return switch (profile) {
      case "human" -> pty(sid, profile, "human", "", user, host, start,
          CadenceModel.human().withSpread(spread).generate(rng));
      case "kimi-k2.6", "gemini-3.1", "opus-4.6", "gpt-5.5", CadenceModel.UNSEEN_NAME -> pty(sid, profile, "agent",
          profile, user, host, start, CadenceModel.named(profile).withSpread(spread).generate(rng));
      case "handoff" -> pty(sid, profile, "agent", "", user, host, start,
          CadenceModel.handoff(rng, CadenceModel.Output.TEXT).activity());
      case "exec" -> exec(sid, profile, user, host, start, false);
      case "kube-exec" -> exec(sid, profile, user, host, start, true);
      default -> throw new IllegalArgumentException("unknown profile " + profile + "; known: " + PROFILES);
    };
  }

  /**
   * A terminal session of {@code profile} ({@code human} or an agent model) by {@code user}, starting at
   * {@code startMs} and about {@code seconds} long: for scenarios that place sessions themselves.
   */
  public SimulatedSession session(String profile, String user, long startMs, double seconds) {
    String sid = new UUID(rng.nextLong(), rng.nextLong()).toString();
    String host = HOSTS[rng.nextInt(HOSTS.length)];
    boolean human = profile.equals("human");
    return pty(sid, profile, human ? "human" : "agent", human ? "" : profile, user, host, startMs,
        CadenceModel.named(profile).generate(rng, seconds));
  }

  private SimulatedSession pty(String sid, String profile, String operator, String model, String user, String host,
      long start, TerminalActivity act) {
    List<OneOf> events = new ArrayList<>();
    long[] index = {0};
    events.add(OneOf.newBuilder().setSessionStart(SessionStart.newBuilder()
        .setMetadata(meta(index[0]++, "session.start", "T2000I", start))
        .setUser(user(user)).setSession(session(sid)).setServer(server(host))
        .setConnection(connection()).setTerminalSize("120:40").setSessionRecording("node")).build());
    long printStart = start + 800;
    int cmdIdx = 0;
    long offset = 0;
    for (int i = 0; i < act.chunks().size(); i++) {
      TerminalActivity.Chunk c = act.chunks().get(i);
      while (cmdIdx < act.commands().size() && act.commands().get(cmdIdx).atMs() <= c.atMs()) {
        TerminalActivity.Command cmd = act.commands().get(cmdIdx++);
        events.add(OneOf.newBuilder().setSessionCommand(SessionCommand.newBuilder()
            .setMetadata(meta(index[0]++, "session.command", "T4000I", printStart + cmd.atMs()))
            .setUser(user(user)).setSession(session(sid)).setServer(server(host))
            .setBPF(BPFMetadata.newBuilder().setPID(1000 + cmdIdx).setProgram(cmd.argv().get(0)))
            .setPPID(999).setPath(cmd.path()).addAllArgv(cmd.argv())).build());
      }
      events.add(OneOf.newBuilder().setSessionPrint(SessionPrint.newBuilder()
          .setMetadata(meta(index[0]++, "print", "", printStart + c.atMs()))
          .setChunkIndex(i).setData(ByteString.copyFrom(c.data())).setBytes(c.data().length)
          .setDelayMilliseconds(c.atMs()).setOffset(offset)).build());
      offset += c.data().length;
    }
    long end = printStart + act.durationMs() + 1_000;
    events.add(sessionEnd(sid, user, host, index[0]++, start, end, true, List.of()));
    clockMs = Math.max(clockMs, start + (end - start) / 4); // sessions overlap like on a real cluster
    return new SimulatedSession(sid, profile, operator, model, events,
        audit(sid, user, host, start, end, true, List.of()), start, end);
  }

  private SimulatedSession exec(String sid, String profile, String user, String host, long start, boolean kube) {
    List<String> argv = kube ? List.of("cat", "/etc/config/app.yaml") : List.of("uptime");
    List<OneOf> events = new ArrayList<>();
    long index = 0;
    SessionStart.Builder st = SessionStart.newBuilder().setMetadata(meta(index++, "session.start", "T2000I", start))
        .setUser(user(user)).setSession(session(sid)).setServer(server(host)).setConnection(connection())
        .addAllInitialCommand(argv).setSessionRecording("node");
    if (kube) {
      st.setKubernetesCluster(KubernetesClusterMetadata.newBuilder().setKubernetesCluster("prod-gke"))
          .setKubernetesPod(KubernetesPodMetadata.newBuilder().setKubernetesPodName("api-7d9f")
              .setKubernetesPodNamespace("payments"));
    }
    events.add(OneOf.newBuilder().setSessionStart(st).build());
    Exec.Builder ex = Exec.newBuilder().setMetadata(meta(index++, "exec", "T3002I", start + 300))
        .setUser(user(user)).setSession(session(sid)).setServer(server(host)).setConnection(connection())
        .setCommand(CommandMetadata.newBuilder().setCommand(String.join(" ", argv)).setExitCode("0"));
    if (kube) {
      ex.setKubernetesCluster(KubernetesClusterMetadata.newBuilder().setKubernetesCluster("prod-gke"));
    }
    events.add(OneOf.newBuilder().setExec(ex).build());
    byte[] out = "ok\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    events.add(OneOf.newBuilder().setSessionPrint(SessionPrint.newBuilder()
        .setMetadata(meta(index++, "print", "", start + 400)).setChunkIndex(0).setData(ByteString.copyFrom(out))
        .setBytes(out.length).setDelayMilliseconds(0)).build());
    long end = start + 1_500;
    events.add(sessionEnd(sid, user, host, index, start, end, false, argv));
    return new SimulatedSession(sid, profile, "unknown", "", events,
        audit(sid, user, host, start, end, false, argv), start, end);
  }

  private OneOf sessionEnd(String sid, String user, String host, long index, long start, long end, boolean interactive,
      List<String> initialCommand) {
    return OneOf.newBuilder().setSessionEnd(SessionEnd.newBuilder()
        .setMetadata(meta(index, "session.end", "T2004I", end)).setUser(user(user)).setSession(session(sid))
        .setConnection(connection()).setServer(server(host)).setInteractive(interactive).addParticipants(user)
        .setStartTime(ts(start)).setEndTime(ts(end)).addAllInitialCommand(initialCommand)
        .setSessionRecording("node")).build();
  }

  private List<String> audit(String sid, String user, String host, long start, long end, boolean interactive,
      List<String> initialCommand) {
    ObjectNode s = common("session.start", "T2000I", start, sid, user, host);
    s.put("size", "120:40").put("session_recording", "node");
    if (!initialCommand.isEmpty()) {
      s.putPOJO("initial_command", initialCommand);
    }
    ObjectNode e = common("session.end", "T2004I", end, sid, user, host);
    e.put("enhanced_recording", true).put("interactive", interactive);
    e.putArray("participants").add(user);
    e.put("session_start", Instant.ofEpochMilli(start).toString()).put("session_stop", Instant.ofEpochMilli(end)
        .toString()).put("session_recording", "node");
    ObjectNode u = JSON.createObjectNode();
    u.put("ei", 2147483647).put("event", "session.upload").put("uid", uid()).put("code", "T2005I")
        .put("time", Instant.ofEpochMilli(end + 2_000).toString()).put("cluster_name", CLUSTER).put("sid", sid)
        .put("url", recordsUrlPrefix + "/multi/" + sid);
    return List.of(s.toString(), e.toString(), u.toString());
  }

  private ObjectNode common(String type, String code, long time, String sid, String user, String host) {
    ObjectNode n = JSON.createObjectNode();
    n.put("ei", 0).put("event", type).put("uid", uid()).put("code", code).put("time", Instant.ofEpochMilli(time)
        .toString()).put("cluster_name", CLUSTER).put("user", user).put("login", "ubuntu").put("user_kind", 1)
        .put("sid", sid).put("addr.remote", "203.0.113.10:51234").put("proto", "ssh").put("namespace", "default")
        .put("server_id", serverId(host)).put("server_hostname", host);
    n.putObject("server_labels").put("env", "prod");
    return n;
  }

  private String uid() {
    return new UUID(rng.nextLong(), rng.nextLong()).toString();
  }

  private static String serverId(String host) {
    return UUID.nameUUIDFromBytes(host.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
  }

  private static Metadata meta(long index, String type, String code, long timeMs) {
    return Metadata.newBuilder().setIndex(index).setType(type).setCode(code).setTime(ts(timeMs))
        .setClusterName(CLUSTER).build();
  }

  private static Timestamp ts(long ms) {
    return Timestamp.newBuilder().setSeconds(Math.floorDiv(ms, 1000)).setNanos((int) Math.floorMod(ms, 1000) * 1_000_000)
        .build();
  }

  private static UserMetadata user(String user) {
    return UserMetadata.newBuilder().setUser(user).setLogin("ubuntu").setUserKind(1).build();
  }

  private static SessionMetadata session(String sid) {
    return SessionMetadata.newBuilder().setSessionID(sid).build();
  }

  private static ServerMetadata server(String host) {
    return ServerMetadata.newBuilder().setServerNamespace("default").setServerID(serverId(host))
        .setServerHostname(host).putServerLabels("env", "prod").build();
  }

  private static ConnectionMetadata connection() {
    return ConnectionMetadata.newBuilder().setRemoteAddr("203.0.113.10:51234").setProtocol("ssh").build();
  }
}
