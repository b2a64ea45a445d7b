package dev.whodrove.ingest.teleport;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.ingest.teleport.EventRejectedException.Reason;
import dev.whodrove.runtime.Errors;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns one Teleport audit event (the flat JSON the file log, the event-handler plugin and Athena's
 * {@code event_data} column all share) into a {@link TeleportAuditEvent}. Unknown event types keep the common
 * fields; input that is not an event is rejected with a typed reason instead of an exception escaping.
 *
 * <p>Hostile input (docs/reliability.md): the event's own {@code time} must be an instant after 1970 and at most
 * {@link TeleportTimes#MAX_AHEAD} after the moment it is read, else the event is rejected ({@code bad_time});
 * {@code session_start}/{@code session_stop} outside that range are dropped and the event kept. JSON nested deeper
 * than {@value #MAX_NESTING_DEPTH} levels is rejected ({@code not_json}). Any other exception while parsing one event
 * is a rejection ({@code parse_error}), never an exception for the caller.
 *
 * <p>Secrets in command lines, queries, request paths and URIs are redacted before anything is taken from the event
 * ({@link AuditEventRedaction}); an event that had one is published re-serialised, the others exactly as received.
 */
public final class AuditEventParser {
  /** Default size limit of one event, 1 MiB. */
  public static final int DEFAULT_MAX_BYTES = 1 << 20;

  /** Event types that belong to a session even when they carry no protocol. */
  private static final Set<String> SSH_FAMILY = Set.of(
      "session.start", "session.end", "session.join", "session.leave", "session.data", "session.command",
      "session.network", "session.disk", "resize", "print", "exec", "scp", "sftp", "subsystem", "x11-forward",
      "port", "port.local", "port.remote", "port.remote_conn", "session.rejected");

  /** Deepest JSON nesting read; an audit event is a flat object with a few small nested maps. */
  public static final int MAX_NESTING_DEPTH = 200;

  private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build()).build())
      .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);

  private final int maxBytes;
  private final Clock clock;
  private final AuditEventRedaction redaction = new AuditEventRedaction();

  public AuditEventParser() {
    this(DEFAULT_MAX_BYTES, Clock.systemUTC());
  }

  public AuditEventParser(int maxBytes, Clock clock) {
    this.maxBytes = maxBytes;
    this.clock = clock;
  }

  /** Parses UTF-8 JSON bytes. */
  public TeleportAuditEvent parse(byte[] json, SourcePosition source) throws EventRejectedException {
    if (json.length > maxBytes) {
      throw new EventRejectedException(Reason.TOO_LARGE,
          "event of " + json.length + " bytes exceeds the limit of " + maxBytes + " bytes");
    }
    return parse(new String(json, StandardCharsets.UTF_8), source);
  }

  /** Parses JSON text. */
  public TeleportAuditEvent parse(String json, SourcePosition source) throws EventRejectedException {
    try {
      return parseChecked(json, source);
    } catch (RuntimeException e) {
      // a defect on this one input must not stop the source: the event is dead-lettered, the next one read
      throw new EventRejectedException(Reason.PARSE_ERROR, "parser failed on this event: " + Errors.oneLine(e), e);
    }
  }

  private TeleportAuditEvent parseChecked(String json, SourcePosition source) throws EventRejectedException {
    // cheap upper bound first: a UTF-8 char is at most 3 bytes for BMP text
    if (json.length() > maxBytes || (json.length() * 3L > maxBytes
        && json.getBytes(StandardCharsets.UTF_8).length > maxBytes)) {
      throw new EventRejectedException(Reason.TOO_LARGE, "event exceeds the limit of " + maxBytes + " bytes");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new EventRejectedException(Reason.NOT_JSON, "not JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new EventRejectedException(Reason.NOT_AN_EVENT,
          "not an event: JSON " + (root == null ? "empty" : root.getNodeType().name().toLowerCase(Locale.ROOT)));
    }
    return fromObject((ObjectNode) root, json, source, clock.millis());
  }

  /** Whether {@code text} is exactly one JSON value (nothing after it), within the nesting limit. */
  static boolean isOneJsonValue(String text) {
    try {
      MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(text);
      return true;
    } catch (JsonProcessingException | RuntimeException e) {
      return false;
    }
  }

  private TeleportAuditEvent fromObject(ObjectNode o, String original, SourcePosition source, long nowMs)
      throws EventRejectedException {
    String type = text(o, "event");
    if (type.isEmpty()) {
      throw new EventRejectedException(Reason.NOT_AN_EVENT, "not an event: no \"event\" type string");
    }
    String timeText = text(o, "time");
    if (timeText.isEmpty()) {
      throw new EventRejectedException(Reason.BAD_TIME, "event " + TeleportTimes.quoted(type) + " has no \"time\"");
    }
    long timeMs;
    try {
      timeMs = TeleportTimes.parsePlausibleMillis(timeText, nowMs);
    } catch (DateTimeParseException e) {
      throw new EventRejectedException(Reason.BAD_TIME, "event " + TeleportTimes.quoted(type) + " has a bad time: "
          + e.getMessage(), e);
    }
    String sid = text(o, "sid");
    if (!sid.isEmpty() && !RecordingRefs.validSid(sid)) {
      // the id keys the session everywhere downstream (topics, state stores, file names): never a path
      throw new EventRejectedException(Reason.BAD_SESSION_ID, "event " + TeleportTimes.quoted(type)
          + " has a session id that is not a plain token: " + TeleportTimes.quoted(sid));
    }
    if (redaction.redact(o)) {
      original = reserialise(o);
    }
    TeleportAuditEvent.Builder b = TeleportAuditEvent.newBuilder()
        .setUid(text(o, "uid"))
        .setType(type)
        .setCode(text(o, "code").toUpperCase(Locale.ROOT))
        .setTimeMs(timeMs)
        .setSessionId(sid)
        .setUser(text(o, "user"))
        .setLogin(first(o, "login", "db_user", "windows_user"))
        .setCluster(text(o, "cluster_name"))
        .setServerId(text(o, "server_id"))
        .setServerHostname(first(o, "server_hostname", "desktop_name", "db_service", "app_name",
            "kubernetes_cluster"))
        .setProtocol(first(o, "proto", "db_protocol"))
        .setInteractive(bool(o, "interactive"))
        .setEnhancedRecording(bool(o, "enhanced_recording"))
        .setRemoteAddr(first(o, "addr.remote", "addr_remote"))
        .setUserAgent(text(o, "user_agent"))
        .setSessionRecording(text(o, "session_recording"))
        .setOriginalJson(original)
        .setIngestedAtMs(nowMs);
    if (source != null) {
      b.setSource(source);
    }
    b.putAllServerLabels(labels(o));
    strings(o.get("participants"), b::addParticipants);
    strings(o.get("initial_command"), b::addInitialCommand);
    b.setSessionStartMs(optionalTime(o, "session_start", nowMs));
    b.setSessionEndMs(optionalTime(o, "session_stop", nowMs));
    if ("session.upload".equals(type)) {
      b.setRecordingUrl(text(o, "url"));
    }
    b.setKind(kindOf(type, b.getSessionId(), o));
    return b.build();
  }

  private static String reserialise(ObjectNode o) {
    try {
      return MAPPER.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the redacted event", e); // a parsed tree always writes
    }
  }

  /** ssh, kube, db, app or desktop for session events; empty otherwise (and for session.upload, which says none). */
  static String kindOf(String type, String sid, ObjectNode o) {
    if (type.startsWith("db.")) {
      return "db";
    }
    if (type.startsWith("app.")) {
      return "app";
    }
    if (type.startsWith("windows.desktop.") || type.startsWith("desktop.")) {
      return "desktop";
    }
    if (type.equals("kube.request")) {
      return "kube";
    }
    boolean sessionish = SSH_FAMILY.contains(type) || (!sid.isEmpty() && !type.equals("session.upload"));
    if (!sessionish) {
      return "";
    }
    String proto = text(o, "proto").toLowerCase(Locale.ROOT);
    if (proto.equals("kube") || proto.equals("k8s")) {
      return "kube";
    }
    if (proto.equals("tdp") || proto.equals("rdp")) {
      return "desktop";
    }
    if (!text(o, "db_protocol").isEmpty()) {
      return "db";
    }
    if (!text(o, "app_name").isEmpty() || !text(o, "app_uri").isEmpty()) {
      return "app";
    }
    if (type.equals("exec") && !text(o, "kubernetes_cluster").isEmpty()) {
      return "kube";
    }
    return "ssh";
  }

  /** server_labels as an object, as flattened {@code server_labels.<k>} keys, or the per-kind label maps. */
  private static Map<String, String> labels(ObjectNode o) {
    Map<String, String> out = new java.util.TreeMap<>();
    for (String field : new String[] {"server_labels", "kube_labels", "db_labels", "app_labels", "desktop_labels"}) {
      JsonNode n = o.get(field);
      if (n != null && n.isObject()) {
        for (Map.Entry<String, JsonNode> e : n.properties()) {
          out.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString());
        }
        return out;
      }
    }
    String prefix = "server_labels.";
    for (Map.Entry<String, JsonNode> e : o.properties()) {
      if (e.getKey().startsWith(prefix) && e.getKey().length() > prefix.length()) {
        out.put(e.getKey().substring(prefix.length()), e.getValue().asText());
      }
    }
    return out;
  }

  /** A secondary timestamp: 0 when absent, unreadable or outside the plausible range; the event is still good. */
  private static long optionalTime(ObjectNode o, String field, long nowMs) {
    String v = text(o, field);
    if (v.isEmpty()) {
      return 0;
    }
    try {
      return TeleportTimes.parsePlausibleMillis(v, nowMs);
    } catch (DateTimeParseException e) {
      return 0;
    }
  }

  private static void strings(JsonNode n, java.util.function.Consumer<String> sink) {
    if (n == null || n.isNull()) {
      return;
    }
    if (n.isArray()) {
      for (JsonNode e : n) {
        if (e.isValueNode() && !e.isNull()) {
          sink.accept(e.asText());
        }
      }
    } else if (n.isValueNode()) {
      sink.accept(n.asText());
    }
  }

  private static String first(ObjectNode o, String... fields) {
    for (String f : fields) {
      String v = text(o, f);
      if (!v.isEmpty()) {
        return v;
      }
    }
    return "";
  }

  static String text(JsonNode o, String field) {
    JsonNode n = o.get(field);
    return n == null || n.isNull() || !n.isValueNode() ? "" : n.asText();
  }

  private static boolean bool(ObjectNode o, String field) {
    JsonNode n = o.get(field);
    return n != null && (n.isBoolean() ? n.booleanValue() : "true".equalsIgnoreCase(n.asText()));
  }
}
