package dev.whodrove.featurizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Teleport BPF audit events (flat JSON as the file log writes them) for one session, in order. */
final class BpfAuditEvents {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String sid;
  private final List<TeleportAuditEvent> events = new ArrayList<>();
  private long ei = 10;

  BpfAuditEvents(String sid) {
    this.sid = sid;
  }

  private ObjectNode base(String type, String code, long timeMs, long pid, String program) {
    ObjectNode o = JSON.createObjectNode();
    o.put("ei", ei++).put("event", type).put("uid", sid + "-" + ei).put("code", code)
        .put("time", Instant.ofEpochMilli(timeMs).toString()).put("sid", sid).put("user", "alice")
        .put("login", "ubuntu").put("namespace", "default").put("server_id", "node-1").put("pid", pid)
        .put("cgroup_id", 4294967537L).put("program", program);
    return o;
  }

  private BpfAuditEvents add(ObjectNode o, long timeMs) {
    events.add(TeleportAuditEvent.newBuilder().setUid(o.get("uid").asText()).setType(o.get("event").asText())
        .setCode(o.get("code").asText()).setTimeMs(timeMs).setSessionId(sid).setUser("alice").setKind("ssh")
        .setOriginalJson(o.toString()).build());
    return this;
  }

  /** A session.command: {@code path} exec'd by pid under ppid, with argv after argv[0]. */
  BpfAuditEvents command(long timeMs, long pid, long ppid, String path, String... argv) {
    String program = AgentCliCatalogue.baseName(path);
    ObjectNode o = base("session.command", "T4000I", timeMs, pid, program.length() > 15 ? program.substring(0, 15)
        : program);
    o.put("ppid", ppid).put("path", path).put("return_code", 0);
    ArrayNode a = o.putArray("argv");
    for (String s : argv) {
      a.add(s);
    }
    return add(o, timeMs);
  }

  BpfAuditEvents connect(long timeMs, long pid, String program, String dst, int port) {
    ObjectNode o = base("session.network", "T4002I", timeMs, pid, program);
    o.put("src_addr", "10.0.0.5").put("dst_addr", dst).put("dst_port", port).put("version", 4).put("operation", 0)
        .put("action", 0);
    return add(o, timeMs);
  }

  BpfAuditEvents open(long timeMs, long pid, String program, String path, int flags) {
    ObjectNode o = base("session.disk", "T4001I", timeMs, pid, program);
    o.put("path", path).put("flags", flags).put("return_code", 0);
    return add(o, timeMs);
  }

  List<TeleportAuditEvent> events() {
    return events;
  }
}
