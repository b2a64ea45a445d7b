package dev.whodrove.decoder;

import com.google.protobuf.Timestamp;
import dev.whodrove.schemas.teleport.ConnectionMetadata;
import dev.whodrove.schemas.teleport.KubernetesClusterMetadata;
import dev.whodrove.schemas.teleport.Metadata;
import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.schemas.teleport.ServerMetadata;
import dev.whodrove.schemas.teleport.UserMetadata;
import dev.whodrove.schemas.v1.CommandExecuted;
import dev.whodrove.schemas.v1.DatabaseQuery;
import dev.whodrove.schemas.v1.DiskAccess;
import dev.whodrove.schemas.v1.ExecCommand;
import dev.whodrove.schemas.v1.KubeRequest;
import dev.whodrove.schemas.v1.NetworkConnection;
import dev.whodrove.schemas.v1.Participant;
import dev.whodrove.schemas.v1.PrintChunk;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.Resized;
import dev.whodrove.schemas.v1.SessionEnded;
import dev.whodrove.schemas.v1.SessionStarted;

/**
 * Turns Teleport recording events into whodrove {@link RecordingEvent}s. Print data is reduced to derived numbers
 * unless {@link PrintPayload#RAW} is configured. Events that carry nothing the pipeline uses (logins, upload
 * notices, desktop frames, app chunks, unknown types) map to {@code null}.
 */
public final class TeleportEventConverter {
  static final int MAX_QUERY_CHARS = 1024;

  private final String sessionId;
  private final String recordingUri;
  private final PrintPayload payload;

  public TeleportEventConverter(String sessionId, String recordingUri, PrintPayload payload) {
    this.sessionId = sessionId;
    this.recordingUri = recordingUri;
    this.payload = payload;
  }

  /** The whodrove event for {@code e}, or {@code null} when the type is not forwarded. */
  public RecordingEvent convert(OneOf e) {
    return switch (e.getEventCase()) {
      case SESSIONPRINT -> print(e.getSessionPrint());
      case SESSIONSTART -> {
        var s = e.getSessionStart();
        yield base(s.getMetadata()).setSessionStart(started(kindOf(s.getConnection(), s.getKubernetesCluster()),
            s.getMetadata(), s.getUser(), s.getServer(), s.getConnection())
            .setTerminalSize(s.getTerminalSize())
            .addAllInitialCommand(s.getInitialCommandList())
            .setKubeCluster(s.getKubernetesCluster().getKubernetesCluster())
            .setKubePod(s.getKubernetesPod().getKubernetesPodName())).build();
      }
      case DATABASESESSIONSTART -> {
        var s = e.getDatabaseSessionStart();
        yield base(s.getMetadata()).setSessionStart(started("db", s.getMetadata(), s.getUser(), s.getServer(),
            s.getConnection())
            .setProtocol(first(s.getDatabase().getDatabaseProtocol(), s.getConnection().getProtocol()))
            .setDbService(s.getDatabase().getDatabaseService())).build();
      }
      case APPSESSIONSTART -> {
        var s = e.getAppSessionStart();
        yield base(s.getMetadata()).setSessionStart(started("app", s.getMetadata(), s.getUser(), s.getServer(),
            s.getConnection()).setAppName(s.getApp().getAppName())).build();
      }
      case WINDOWSDESKTOPSESSIONSTART -> {
        var s = e.getWindowsDesktopSessionStart();
        yield base(s.getMetadata()).setSessionStart(started("desktop", s.getMetadata(), s.getUser(),
            ServerMetadata.getDefaultInstance(), s.getConnection())
            .setLogin(first(s.getWindowsUser(), s.getUser().getLogin()))
            .setServerId(s.getWindowsDesktopService())
            .setServerHostname(s.getDesktopName())
            .putAllServerLabels(s.getDesktopLabelsMap())
            .setDesktopAddr(s.getDesktopAddr())).build();
      }
      case SESSIONEND -> {
        var s = e.getSessionEnd();
        yield base(s.getMetadata()).setSessionEnd(SessionEnded.newBuilder()
            .setKind(kindOf(s.getConnection(), s.getKubernetesCluster()))
            .setInteractive(s.getInteractive())
            .setEnhancedRecording(s.getEnhancedRecording())
            .addAllParticipants(s.getParticipantsList())
            .setStartMs(millis(s.getStartTime()))
            .setEndMs(millis(s.getEndTime()))
            .addAllInitialCommand(s.getInitialCommandList())).build();
      }
      case DATABASESESSIONEND -> {
        var s = e.getDatabaseSessionEnd();
        yield base(s.getMetadata()).setSessionEnd(SessionEnded.newBuilder().setKind("db")
            .addAllParticipants(s.getParticipantsList())
            .setStartMs(millis(s.getStartTime())).setEndMs(millis(s.getEndTime()))).build();
      }
      case APPSESSIONEND -> base(e.getAppSessionEnd().getMetadata())
          .setSessionEnd(SessionEnded.newBuilder().setKind("app")).build();
      case WINDOWSDESKTOPSESSIONEND -> {
        var s = e.getWindowsDesktopSessionEnd();
        yield base(s.getMetadata()).setSessionEnd(SessionEnded.newBuilder().setKind("desktop")
            .setInteractive(true)
            .addAllParticipants(s.getParticipantsList())
            .setStartMs(millis(s.getStartTime())).setEndMs(millis(s.getEndTime()))).build();
      }
      case RESIZE -> base(e.getResize().getMetadata())
          .setResize(Resized.newBuilder().setTerminalSize(e.getResize().getTerminalSize())).build();
      case SESSIONCOMMAND -> {
        var c = e.getSessionCommand();
        yield base(c.getMetadata()).setCommand(CommandExecuted.newBuilder()
            .setPath(c.getPath()).addAllArgv(c.getArgvList()).setReturnCode(c.getReturnCode())
            .setPid(c.getBPF().getPID()).setPpid(c.getPPID()).setProgram(c.getBPF().getProgram())).build();
      }
      case SESSIONNETWORK -> {
        var n = e.getSessionNetwork();
        yield base(n.getMetadata()).setNetwork(NetworkConnection.newBuilder()
            .setSrcAddr(n.getSrcAddr()).setDstAddr(n.getDstAddr()).setDstPort(n.getDstPort())
            .setIpVersion(n.getTCPVersion())
            .setOperation(n.getOperation() == 1 ? "send" : n.getOperation() == 0 ? "connect" : "op-" + n.getOperation())
            .setAction(n.getAction() == 1 ? "denied" : n.getAction() == 0 ? "observed" : "action-" + n.getAction())
            .setProgram(n.getBPF().getProgram()).setPid(n.getBPF().getPID())).build();
      }
      case SESSIONDISK -> {
        var d = e.getSessionDisk();
        yield base(d.getMetadata()).setDisk(DiskAccess.newBuilder()
            .setPath(d.getPath()).setFlags(d.getFlags()).setReturnCode(d.getReturnCode())
            .setProgram(d.getBPF().getProgram()).setPid(d.getBPF().getPID())).build();
      }
      case SESSIONJOIN -> {
        var j = e.getSessionJoin();
        yield base(j.getMetadata()).setJoin(participant(j.getUser(), j.getConnection())).build();
      }
      case SESSIONLEAVE -> {
        var l = e.getSessionLeave();
        yield base(l.getMetadata()).setLeave(participant(l.getUser(), l.getConnection())).build();
      }
      case EXEC -> {
        var x = e.getExec();
        yield base(x.getMetadata()).setExec(ExecCommand.newBuilder()
            .setCommand(x.getCommand().getCommand()).setExitCode(x.getCommand().getExitCode())
            .setError(x.getCommand().getError())
            .setKubeCluster(x.getKubernetesCluster().getKubernetesCluster())
            .setKubePod(x.getKubernetesPod().getKubernetesPodName())
            .setKubeNamespace(x.getKubernetesPod().getKubernetesPodNamespace())).build();
      }
      case DATABASESESSIONQUERY -> {
        var q = e.getDatabaseSessionQuery();
        yield base(q.getMetadata()).setDbQuery(DatabaseQuery.newBuilder()
            .setDatabase(q.getDatabase().getDatabaseName()).setDbUser(q.getDatabase().getDatabaseUser())
            .setQuery(truncate(q.getDatabaseQuery(), MAX_QUERY_CHARS))
            .setSuccess(!q.hasStatus() || q.getStatus().getSuccess())).build();
      }
      case KUBEREQUEST -> {
        var k = e.getKubeRequest();
        yield base(k.getMetadata()).setKubeRequest(KubeRequest.newBuilder()
            .setVerb(k.getVerb()).setRequestPath(k.getRequestPath()).setResourceKind(k.getResourceKind())
            .setResourceNamespace(k.getResourceNamespace()).setResourceName(k.getResourceName())
            .setResponseCode(k.getResponseCode())).build();
      }
      default -> null;
    };
  }

  private RecordingEvent print(dev.whodrove.schemas.teleport.SessionPrint p) {
    PrintChunk.Builder chunk = PrintChunk.newBuilder()
        .setDelayMs(p.getDelayMilliseconds())
        .setChunkIndex(p.getChunkIndex())
        .setOffset(p.getOffset());
    TerminalBytes.describe(p.getData(), chunk);
    if (p.getData().isEmpty() && p.getBytes() > 0) {
      chunk.setBytes(p.getBytes()); // data stripped upstream: keep Teleport's own count
    }
    if (payload == PrintPayload.RAW) {
      chunk.setRaw(p.getData());
    }
    return base(p.getMetadata()).setPrint(chunk).build();
  }

  private RecordingEvent.Builder base(Metadata md) {
    return RecordingEvent.newBuilder()
        .setSessionId(sessionId)
        .setIndex(md.getIndex())
        .setTimeMs(millis(md.getTime()))
        .setType(md.getType())
        .setRecordingUri(recordingUri);
  }

  private static SessionStarted.Builder started(String kind, Metadata md, UserMetadata user, ServerMetadata server,
      ConnectionMetadata conn) {
    return SessionStarted.newBuilder()
        .setKind(kind)
        .setUser(user.getUser())
        .setLogin(user.getLogin())
        .setCluster(md.getClusterName())
        .setServerId(server.getServerID())
        .setServerHostname(server.getServerHostname())
        .putAllServerLabels(server.getServerLabelsMap())
        .setRemoteAddr(conn.getRemoteAddr())
        .setProtocol(conn.getProtocol());
  }

  private static Participant participant(UserMetadata user, ConnectionMetadata conn) {
    return Participant.newBuilder().setUser(user.getUser()).setLogin(user.getLogin())
        .setRemoteAddr(conn.getRemoteAddr()).build();
  }

  /** session.start/end are shared by SSH and Kubernetes sessions; the kube ones name a cluster or protocol. */
  static String kindOf(ConnectionMetadata conn, KubernetesClusterMetadata kube) {
    if ("kube".equalsIgnoreCase(conn.getProtocol()) || !kube.getKubernetesCluster().isEmpty()) {
      return "kube";
    }
    return "ssh";
  }

  /**
   * Epoch ms; 0 for unset and Go zero times.
   *
   * @throws EventTimes.OutOfRange for a time no recording holds (it would overflow or mean nothing)
   */
  static long millis(Timestamp t) {
    return EventTimes.millis(t.getSeconds(), t.getNanos());
  }

  private static String first(String a, String b) {
    return a.isEmpty() ? b : a;
  }

  private static String truncate(String s, int max) {
    if (s.length() <= max) {
      return s;
    }
    int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
    return s.substring(0, end);
  }
}
