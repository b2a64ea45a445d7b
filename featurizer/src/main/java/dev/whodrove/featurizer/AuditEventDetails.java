package dev.whodrove.featurizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.schemas.v1.CommandExecuted;
import dev.whodrove.schemas.v1.DatabaseQuery;
import dev.whodrove.schemas.v1.DiskAccess;
import dev.whodrove.schemas.v1.ExecCommand;
import dev.whodrove.schemas.v1.KubeRequest;
import dev.whodrove.schemas.v1.NetworkConnection;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.util.Set;

/**
 * The content of the audit events the featurizer reads beyond session start, end and upload, taken from the event's
 * JSON ({@code original_json}, already redacted by ingest-teleport) into the same messages the decoder produces from a
 * recording, so that one accumulator handles both. Field names are those of Teleport's flat audit-event JSON:
 * {@code session.command} ({@code path}, {@code argv} without argv[0], {@code return_code}, {@code pid},
 * {@code ppid}, {@code program}), {@code session.network} ({@code src_addr}, {@code dst_addr}, {@code dst_port},
 * {@code version}, {@code operation}, {@code action}), {@code session.disk} ({@code path}, {@code flags},
 * {@code return_code}), {@code kube.request} ({@code verb}, {@code request_path}, {@code resource_kind},
 * {@code resource_namespace}, {@code resource_name}, {@code response_code}), {@code exec} ({@code command},
 * {@code exitCode}, {@code exitError}, {@code kubernetes_cluster}, {@code kubernetes_pod_name},
 * {@code kubernetes_pod_namespace}), {@code db.session.query} and {@code db.session.query.failed} ({@code db_name},
 * {@code db_user}, {@code db_query}, {@code success}). Port forwards ({@code port}, {@code port.*}) and the
 * protocol-specific database events ({@code db.session.<protocol>.…}) are counted by type and time alone.
 */
final class AuditEventDetails {
  static final Set<String> BPF_TYPES = Set.of("session.command", "session.network", "session.disk");
  static final Set<String> SERVICE_TYPES = Set.of("kube.request", "exec", "db.session.query",
      "db.session.query.failed");
  /** Database events that are not statements: session lifecycle, results, permission checks. */
  private static final Set<String> DB_NOT_STATEMENTS = Set.of("db.session.start", "db.session.end",
      "db.session.result", "db.session.query", "db.session.query.failed", "db.session.user.create",
      "db.session.user.deactivate", "db.session.permissions.update");
  private static final ObjectMapper JSON = new ObjectMapper();

  private AuditEventDetails() {}

  /** Whether the featurizer takes this audit event type in. */
  static boolean handles(String type) {
    return BPF_TYPES.contains(type) || SERVICE_TYPES.contains(type) || isPortForward(type)
        || isDatabaseProtocolEvent(type);
  }

  /** {@code port}, {@code port.local}, {@code port.remote}, {@code port.remote_conn}. */
  static boolean isPortForward(String type) {
    return type.equals("port") || type.startsWith("port.");
  }

  /** {@code db.session.<protocol>.<what>}: a statement at the protocol level (prepare, bind, execute, an RPC). */
  static boolean isDatabaseProtocolEvent(String type) {
    return type.startsWith("db.session.") && type.split("\\.").length >= 4 && !DB_NOT_STATEMENTS.contains(type);
  }

  /**
   * The event as a recording event (index = {@code ei}, time = the event time), or null when the type carries
   * nothing the featurizer uses.
   *
   * @throws IllegalArgumentException when the event's JSON is not an object
   */
  static RecordingEvent toRecordingEvent(TeleportAuditEvent a) {
    if (!BPF_TYPES.contains(a.getType()) && !SERVICE_TYPES.contains(a.getType())) {
      return null;
    }
    JsonNode o;
    try {
      o = JSON.readTree(a.getOriginalJson());
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("audit event " + a.getUid() + " (" + a.getType() + "): JSON unreadable: "
          + e.getOriginalMessage());
    }
    if (o == null || !o.isObject()) {
      throw new IllegalArgumentException("audit event " + a.getUid() + " (" + a.getType() + "): not a JSON object");
    }
    RecordingEvent.Builder b = RecordingEvent.newBuilder().setSessionId(a.getSessionId()).setIndex(num(o, "ei"))
        .setTimeMs(a.getTimeMs()).setType(a.getType());
    switch (a.getType()) {
      case "session.command" -> {
        CommandExecuted.Builder c = CommandExecuted.newBuilder().setPath(text(o, "path"))
            .setReturnCode((int) num(o, "return_code")).setPid(num(o, "pid")).setPpid(num(o, "ppid"))
            .setProgram(text(o, "program"));
        JsonNode argv = o.get("argv");
        if (argv != null && argv.isArray()) {
          argv.forEach(x -> c.addArgv(x.isValueNode() ? x.asText() : x.toString()));
        }
        b.setCommand(c);
      }
      case "session.network" -> b.setNetwork(NetworkConnection.newBuilder().setSrcAddr(text(o, "src_addr"))
          .setDstAddr(text(o, "dst_addr")).setDstPort((int) num(o, "dst_port")).setIpVersion((int) num(o, "version"))
          .setOperation(num(o, "operation") == 1 ? "send" : "connect")
          .setAction(num(o, "action") == 1 ? "denied" : "observed")
          .setProgram(text(o, "program")).setPid(num(o, "pid")));
      case "session.disk" -> b.setDisk(DiskAccess.newBuilder().setPath(text(o, "path"))
          .setFlags((int) num(o, "flags")).setReturnCode((int) num(o, "return_code"))
          .setProgram(text(o, "program")).setPid(num(o, "pid")));
      case "kube.request" -> b.setKubeRequest(KubeRequest.newBuilder().setVerb(text(o, "verb"))
          .setRequestPath(text(o, "request_path")).setResourceKind(text(o, "resource_kind"))
          .setResourceNamespace(text(o, "resource_namespace")).setResourceName(text(o, "resource_name"))
          .setResponseCode((int) num(o, "response_code")));
      case "exec" -> {
        // an exec through the Kubernetes proxy names its cluster; an SSH exec does not
        String cluster = text(o, "kubernetes_cluster");
        if (cluster.isEmpty() && "kube".equals(a.getKind())) {
          cluster = "?";
        }
        b.setExec(ExecCommand.newBuilder().setCommand(text(o, "command")).setExitCode(text(o, "exitCode"))
            .setError(text(o, "exitError")).setKubeCluster(cluster).setKubePod(text(o, "kubernetes_pod_name"))
            .setKubeNamespace(text(o, "kubernetes_pod_namespace")));
      }
      case "db.session.query", "db.session.query.failed" -> {
        JsonNode ok = o.get("success");
        boolean success = a.getType().equals("db.session.query") && (ok == null || ok.asBoolean(true));
        b.setDbQuery(DatabaseQuery.newBuilder().setDatabase(text(o, "db_name")).setDbUser(text(o, "db_user"))
            .setQuery(text(o, "db_query")).setSuccess(success));
      }
      default -> {
        return null;
      }
    }
    return b.build();
  }

  static String text(JsonNode o, String field) {
    JsonNode n = o.get(field);
    return n == null || n.isNull() ? "" : n.isValueNode() ? n.asText() : n.toString();
  }

  /** A number written as a JSON number or a numeric string (samples show both); 0 when absent or not a number. */
  static long num(JsonNode o, String field) {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return 0;
    }
    if (n.isNumber()) {
      return n.asLong();
    }
    try {
      return Long.parseLong(n.asText().strip());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
