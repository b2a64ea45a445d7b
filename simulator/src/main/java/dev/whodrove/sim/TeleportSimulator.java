package dev.whodrove.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.whodrove.schemas.teleport.BPFMetadata;
import dev.whodrove.schemas.teleport.CommandMetadata;
import dev.whodrove.schemas.teleport.ConnectionMetadata;
import dev.whodrove.schemas.teleport.DatabaseMetadata;
import dev.whodrove.schemas.teleport.DatabaseSessionEnd;
import dev.whodrove.schemas.teleport.DatabaseSessionQuery;
import dev.whodrove.schemas.teleport.DatabaseSessionStart;
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
import dev.whodrove.schemas.teleport.Status;
import dev.whodrove.schemas.teleport.UserMetadata;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Simulates Teleport sessions of a given profile: the ProtoStream recording events and the JSON audit events
 * (session.start, session.end, session.upload, and for the enhanced-recording profiles the BPF events
 * session.command, session.network and session.disk) Teleport writes for them.
 */
public final class TeleportSimulator {
  /** Profiles this simulator knows. */
  public static final List<String> PROFILES = List.of(
      "human", "kimi-k2.6", "gemini-3.1", "opus-4.6", "gpt-5.5", "handoff", "exec", "kube-exec", "claude-on-node",
      "human-bpf", "kube-it-human", "kube-it-opus-4.6", "db-human", "db-agent");

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
      case "claude-on-node" -> node(sid, profile, "agent", "claude-code", user, host, start,
          NodeActivity.claudeOnNode(rng));
      case "human-bpf" -> node(sid, profile, "human", "", user, host, start, NodeActivity.personWithCommands(rng));
      case "kube-it-human" -> kubeShell(sid, profile, "human", "", user, start,
          CadenceModel.human().withSpread(spread).generate(rng));
      case "kube-it-opus-4.6" -> kubeShell(sid, profile, "agent", "opus-4.6", user, start,
          CadenceModel.opus().withSpread(spread).generate(rng));
      case "db-human" -> database(sid, profile, "human", user, start, DatabaseWorkload.person(rng));
      case "db-agent" -> database(sid, profile, "agent", user, start, DatabaseWorkload.agent(rng));
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
        audit(sid, user, host, start, end, true, List.of()), start, end, "");
  }

  /**
   * A PTY session on a node with enhanced recording: prints in the recording, the BPF events in the audit log (where
   * Teleport emits them), between session.start and session.end.
   */
  private SimulatedSession node(String sid, String profile, String operator, String tool, String user, String host,
      long start, NodeActivity.Session node) {
    List<OneOf> events = new ArrayList<>();
    long index = 0;
    events.add(OneOf.newBuilder().setSessionStart(SessionStart.newBuilder()
        .setMetadata(meta(index++, "session.start", "T2000I", start))
        .setUser(user(user)).setSession(session(sid)).setServer(server(host))
        .setConnection(connection()).setTerminalSize("120:40").setSessionRecording("node")).build());
    long printStart = start + 800;
    long offset = 0;
    List<TerminalActivity.Chunk> chunks = node.terminal().chunks();
    for (int i = 0; i < chunks.size(); i++) {
      TerminalActivity.Chunk c = chunks.get(i);
      events.add(OneOf.newBuilder().setSessionPrint(SessionPrint.newBuilder()
          .setMetadata(meta(index++, "print", "", printStart + c.atMs()))
          .setChunkIndex(i).setData(ByteString.copyFrom(c.data())).setBytes(c.data().length)
          .setDelayMilliseconds(c.atMs()).setOffset(offset)).build());
      offset += c.data().length;
    }
    long last = Math.max(node.terminal().durationMs(),
        node.bpf().stream().mapToLong(NodeActivity.BpfEvent::atMs).max().orElse(0));
    long end = printStart + last + 1_000;
    events.add(sessionEnd(sid, user, host, index, start, end, true, List.of()));
    clockMs = Math.max(clockMs, start + (end - start) / 4);
    List<String> audit = new ArrayList<>(audit(sid, user, host, start, end, true, List.of()));
    List<String> bpf = new ArrayList<>();
    long ei = index + 1;
    for (NodeActivity.BpfEvent b : node.bpf()) {
      bpf.add(bpfLine(sid, user, host, ei++, printStart + b.atMs(), b));
    }
    audit.addAll(1, bpf); // after session.start, before session.end and session.upload
    return new SimulatedSession(sid, profile, operator, "", events, audit, start, end, tool);
  }

  /**
   * An interactive {@code kubectl exec -it} into a pod: a terminal recording like SSH (no BPF: the pod is not a
   * Teleport node), with the exec's Kubernetes request and its exec event in the audit log.
   */
  private SimulatedSession kubeShell(String sid, String profile, String operator, String model, String user,
      long start, TerminalActivity act) {
    String host = "kube-agent-1";
    List<OneOf> events = new ArrayList<>();
    long index = 0;
    events.add(OneOf.newBuilder().setSessionStart(SessionStart.newBuilder()
        .setMetadata(meta(index++, "session.start", "T2000I", start))
        .setUser(user(user)).setSession(session(sid)).setServer(server(host))
        .setConnection(ConnectionMetadata.newBuilder().setRemoteAddr("203.0.113.10:51234").setProtocol("kube"))
        .setTerminalSize("120:40").setSessionRecording("node")
        .setKubernetesCluster(KubernetesClusterMetadata.newBuilder().setKubernetesCluster("prod-gke"))
        .setKubernetesPod(KubernetesPodMetadata.newBuilder().setKubernetesPodName("api-7d9f")
            .setKubernetesPodNamespace("payments"))).build());
    long printStart = start + 800;
    long offset = 0;
    for (int i = 0; i < act.chunks().size(); i++) {
      TerminalActivity.Chunk c = act.chunks().get(i);
      events.add(OneOf.newBuilder().setSessionPrint(SessionPrint.newBuilder()
          .setMetadata(meta(index++, "print", "", printStart + c.atMs()))
          .setChunkIndex(i).setData(ByteString.copyFrom(c.data())).setBytes(c.data().length)
          .setDelayMilliseconds(c.atMs()).setOffset(offset)).build());
      offset += c.data().length;
    }
    long end = printStart + act.durationMs() + 1_000;
    events.add(OneOf.newBuilder().setSessionEnd(SessionEnd.newBuilder()
        .setMetadata(meta(index, "session.end", "T2004I", end)).setUser(user(user)).setSession(session(sid))
        .setConnection(ConnectionMetadata.newBuilder().setRemoteAddr("203.0.113.10:51234").setProtocol("kube"))
        .setServer(server(host)).setInteractive(true).addParticipants(user).setStartTime(ts(start))
        .setEndTime(ts(end)).setSessionRecording("node")
        .setKubernetesCluster(KubernetesClusterMetadata.newBuilder().setKubernetesCluster("prod-gke"))).build());
    clockMs = Math.max(clockMs, start + (end - start) / 4);
    List<String> audit = new ArrayList<>();
    for (String line : audit(sid, user, host, start, end, true, List.of())) {
      ObjectNode n = (ObjectNode) readTree(line);
      if (n.has("proto")) {
        n.put("proto", "kube").put("kubernetes_cluster", "prod-gke").put("kubernetes_pod_name", "api-7d9f")
            .put("kubernetes_pod_namespace", "payments");
        n.remove("enhanced_recording");
      }
      audit.add(n.toString());
    }
    ObjectNode req = common("kube.request", "T3009I", start + 200, sid, user, host);
    req.put("proto", "kube").put("kubernetes_cluster", "prod-gke").put("verb", "POST")
        .put("request_path", "/api/v1/namespaces/payments/pods/api-7d9f/exec").put("resource_api_group", "core/v1")
        .put("resource_kind", "pods").put("resource_namespace", "payments").put("resource_name", "api-7d9f")
        .put("response_code", 101);
    ObjectNode exec = common("exec", "T3002I", end, sid, user, host);
    exec.put("proto", "kube").put("kubernetes_cluster", "prod-gke").put("kubernetes_pod_name", "api-7d9f")
        .put("kubernetes_pod_namespace", "payments").put("command", "/bin/sh").put("exitCode", "0");
    audit.add(1, req.toString());
    audit.add(audit.size() - 1, exec.toString());
    return new SimulatedSession(sid, profile, operator, model, events, audit, start, end, "");
  }

  /**
   * A database session through Teleport's database access: its recording (the structured start, query and end
   * events a database session is recorded as) and the same events in the audit log.
   */
  private SimulatedSession database(String sid, String profile, String operator, String user, long start,
      List<DatabaseWorkload.Statement> statements) {
    String service = "orders-pg";
    DatabaseMetadata db = DatabaseMetadata.newBuilder().setDatabaseService(service).setDatabaseProtocol("postgres")
        .setDatabaseURI("orders.internal:5432").setDatabaseName("orders").setDatabaseUser("app_ro").build();
    List<OneOf> events = new ArrayList<>();
    long index = 0;
    // a database session's login is the database user, in the recording as in the audit log
    UserMetadata dbUser = UserMetadata.newBuilder().setUser(user).setLogin("app_ro").setUserKind(1).build();
    events.add(OneOf.newBuilder().setDatabaseSessionStart(DatabaseSessionStart.newBuilder()
        .setMetadata(meta(index++, "db.session.start", "TDB00I", start)).setUser(dbUser)
        .setSession(session(sid)).setServer(server(service)).setStatus(Status.newBuilder().setSuccess(true))
        .setDatabase(db).setConnection(ConnectionMetadata.newBuilder().setRemoteAddr("203.0.113.10:51234")
            .setProtocol("postgres"))).build());
    List<String> audit = new ArrayList<>();
    ObjectNode st = dbEvent("db.session.start", "TDB00I", start, sid, user, 0);
    st.put("success", true);
    audit.add(st.toString());
    long end = start + 1_000;
    for (DatabaseWorkload.Statement q : statements) {
      long at = start + q.atMs();
      events.add(OneOf.newBuilder().setDatabaseSessionQuery(DatabaseSessionQuery.newBuilder()
          .setMetadata(meta(index, q.success() ? "db.session.query" : "db.session.query.failed",
              q.success() ? "TDB02I" : "TDB02W", at))
          .setUser(dbUser).setSession(session(sid)).setDatabase(db).setDatabaseQuery(q.sql())
          .setStatus(Status.newBuilder().setSuccess(q.success()))).build());
      ObjectNode e = dbEvent(q.success() ? "db.session.query" : "db.session.query.failed",
          q.success() ? "TDB02I" : "TDB02W", at, sid, user, index++);
      e.put("db_query", q.sql()).put("success", q.success());
      audit.add(e.toString());
      end = at + 2_000;
    }
    events.add(OneOf.newBuilder().setDatabaseSessionEnd(DatabaseSessionEnd.newBuilder()
        .setMetadata(meta(index, "db.session.end", "TDB01I", end)).setUser(dbUser).setSession(session(sid))
        .setDatabase(db).setStartTime(ts(start)).setEndTime(ts(end)).addParticipants(user)).build());
    ObjectNode e = dbEvent("db.session.end", "TDB01I", end, sid, user, index);
    e.put("session_start", Instant.ofEpochMilli(start).toString()).put("session_stop", Instant.ofEpochMilli(end)
        .toString());
    audit.add(e.toString());
    ObjectNode u = JSON.createObjectNode();
    u.put("ei", 2147483647).put("event", "session.upload").put("uid", uid()).put("code", "T2005I")
        .put("time", Instant.ofEpochMilli(end + 2_000).toString()).put("cluster_name", CLUSTER).put("sid", sid)
        .put("url", recordsUrlPrefix + "/multi/" + sid);
    audit.add(u.toString());
    clockMs = Math.max(clockMs, start + (end - start) / 4);
    return new SimulatedSession(sid, profile, operator, "", events, audit, start, end, "");
  }

  /** A database audit event as the file log writes it. */
  private ObjectNode dbEvent(String type, String code, long time, String sid, String user, long ei) {
    ObjectNode n = JSON.createObjectNode();
    n.put("cluster_name", CLUSTER).put("code", code).put("db_name", "orders").put("db_protocol", "postgres")
        .put("db_service", "orders-pg").put("db_uri", "orders.internal:5432").put("db_user", "app_ro").put("ei", ei)
        .put("event", type).put("sid", sid).put("time", Instant.ofEpochMilli(time).toString()).put("uid", uid())
        .put("user", user);
    return n;
  }

  private static com.fasterxml.jackson.databind.JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A BPF event as Teleport's file log writes it (keys sorted, as in the real samples). */
  private String bpfLine(String sid, String user, String host, long ei, long timeMs, NodeActivity.BpfEvent b) {
    ObjectNode n = JSON.createObjectNode();
    switch (b.kind()) {
      case COMMAND -> {
        var argv = n.putArray("argv");
        b.argv().forEach(argv::add);
        n.put("cgroup_id", 4294967537L).put("code", "T4000I").put("ei", ei).put("event", "session.command");
      }
      case NETWORK -> n.put("cgroup_id", 4294967537L).put("code", "T4002I").put("dst_addr", b.dstAddr())
          .put("dst_port", b.dstPort()).put("ei", ei).put("event", "session.network");
      case DISK -> n.put("cgroup_id", 4294967537L).put("code", "T4001I").put("ei", ei).put("event", "session.disk")
          .put("flags", b.flags());
    }
    n.put("login", "ubuntu").put("namespace", "default");
    if (b.kind() != NodeActivity.BpfEvent.Kind.NETWORK) {
      n.put("path", b.path());
    }
    n.put("pid", b.pid());
    if (b.kind() == NodeActivity.BpfEvent.Kind.COMMAND) {
      n.put("ppid", b.ppid());
    }
    n.put("program", b.program());
    if (b.kind() != NodeActivity.BpfEvent.Kind.NETWORK) {
      n.put("return_code", b.returnCode());
    }
    n.put("server_id", serverId(host)).put("sid", sid);
    if (b.kind() == NodeActivity.BpfEvent.Kind.NETWORK) {
      n.put("src_addr", "10.20.0.7");
    }
    n.put("time", Instant.ofEpochMilli(timeMs).toString()).put("uid", uid()).put("user", user);
    if (b.kind() == NodeActivity.BpfEvent.Kind.NETWORK) {
      n.put("version", 4);
    }
    return n.toString();
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
        audit(sid, user, host, start, end, false, argv), start, end, "");
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
