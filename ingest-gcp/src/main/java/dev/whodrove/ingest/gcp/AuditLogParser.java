package dev.whodrove.ingest.gcp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.runtime.Errors;
import dev.whodrove.schemas.v1.GcpAuditEntry;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Turns one Cloud Logging {@code LogEntry} (JSON bytes) carrying a Cloud Audit Log into a {@link GcpAuditEntry}.
 *
 * <p>The entry is read with a streaming parser so that {@code protoPayload.request}, {@code response},
 * {@code metadata} and the legacy {@code serviceData} are skipped rather than materialised: only their sizes in bytes
 * (as they appear in the input) are kept. Accepted as the AuditLog type marker: {@code protoPayload.@type}, and
 * {@code at_sign_type} / {@code at_type}, the names some log pipelines rewrite {@code @type} to. A protoPayload with no
 * type marker at all is accepted when the {@code logName} is a {@code cloudaudit.googleapis.com} log. Timestamps are
 * RFC 3339; {@code yyyy-MM-dd HH:mm:ss[.fraction]} without a zone is read as UTC, because re-exported entries use it.
 *
 * <p>Hostile input (docs/reliability.md): {@code timestamp} must be an instant after 1970 and at most
 * {@link #MAX_AHEAD} after the moment it is read, else the entry is rejected ({@code bad_timestamp}); a
 * {@code receiveTimestamp} outside that range is dropped and the entry kept. JSON nested deeper than
 * {@value #MAX_NESTING_DEPTH} levels is rejected ({@code not_json}); any other exception is a {@code parse_error}
 * rejection.
 *
 * <p>Thread-safe; one instance can serve every source.
 */
public final class AuditLogParser {
  public static final String AUDIT_LOG_TYPE = "type.googleapis.com/google.cloud.audit.AuditLog";
  public static final String UNKNOWN_PRINCIPAL = "unknown";
  public static final int DEFAULT_MAX_ENTRY_BYTES = 1 << 20;
  private static final String AUDIT_LOG_PREFIX = "cloudaudit.googleapis.com/";
  private static final DateTimeFormatter SPACED = new DateTimeFormatterBuilder()
      .appendPattern("yyyy-MM-dd HH:mm:ss")
      .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
      .toFormatter();

  /** Deepest JSON nesting read, request and response bodies included (they are skipped, not kept). */
  public static final int MAX_NESTING_DEPTH = 200;
  /** How far after the moment it is read an entry's timestamp may lie (clock skew). */
  public static final Duration MAX_AHEAD = Duration.ofDays(1);
  private static final int QUOTED_MAX = 64;

  private final ObjectMapper mapper = new ObjectMapper(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build()).build());
  private final int maxEntryBytes;
  private final LongSupplier clock;

  public AuditLogParser() {
    this(DEFAULT_MAX_ENTRY_BYTES);
  }

  /** @param maxEntryBytes inputs larger than this are rejected as {@link RejectReason#TOO_LARGE} */
  public AuditLogParser(int maxEntryBytes) {
    this(maxEntryBytes, System::currentTimeMillis);
  }

  /** @param clock epoch milliseconds now, the reference of the plausible timestamp range */
  public AuditLogParser(int maxEntryBytes, LongSupplier clock) {
    this.maxEntryBytes = maxEntryBytes;
    this.clock = clock;
  }

  public int maxEntryBytes() {
    return maxEntryBytes;
  }

  /** Parses one LogEntry; never throws. */
  public ParseOutcome parse(byte[] raw) {
    try {
      return parseChecked(raw);
    } catch (RuntimeException e) {
      // a defect on this one input must not make it redeliver forever
      return new ParseOutcome.Rejected(RejectReason.PARSE_ERROR, Errors.oneLine(e));
    }
  }

  private ParseOutcome parseChecked(byte[] raw) {
    if (raw.length > maxEntryBytes) {
      return new ParseOutcome.Rejected(RejectReason.TOO_LARGE, raw.length + " bytes > max " + maxEntryBytes);
    }
    RawEntry e = new RawEntry();
    try (JsonParser p = mapper.createParser(raw)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return new ParseOutcome.Rejected(RejectReason.NOT_JSON, "not a JSON object");
      }
      readEntry(p, e);
      if (p.nextToken() != null) {
        return new ParseOutcome.Rejected(RejectReason.NOT_JSON, "trailing data after the JSON object at byte "
            + p.currentTokenLocation().getByteOffset());
      }
    } catch (JsonProcessingException ex) {
      return new ParseOutcome.Rejected(RejectReason.NOT_JSON, ex.getOriginalMessage() + " at byte "
          + (ex.getLocation() == null ? -1 : ex.getLocation().getByteOffset()));
    } catch (IOException ex) {
      return new ParseOutcome.Rejected(RejectReason.NOT_JSON, Errors.oneLine(ex));
    }
    return toEntry(e, raw);
  }

  /** Everything read from the input before it is validated. */
  private static final class RawEntry {
    String insertId = "";
    String timestamp;
    String receiveTimestamp;
    String logName = "";
    String severity = "";
    JsonNode resource;
    String otherPayload;
    boolean hasProtoPayload;
    String typeMarker;
    String serviceName = "";
    String methodName = "";
    String resourceName = "";
    JsonNode authenticationInfo;
    JsonNode authorizationInfo;
    JsonNode requestMetadata;
    JsonNode status;
    long requestBytes;
    long responseBytes;
    long metadataBytes;
  }

  private static void readEntry(JsonParser p, RawEntry e) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      switch (name) {
        case "protoPayload" -> {
          if (t == JsonToken.START_OBJECT) {
            e.hasProtoPayload = true;
            readPayload(p, e);
          } else {
            p.skipChildren();
          }
        }
        case "textPayload", "jsonPayload" -> {
          e.otherPayload = name;
          p.skipChildren();
        }
        case "insertId" -> e.insertId = scalar(p, t, "");
        case "timestamp" -> e.timestamp = scalar(p, t, null);
        case "receiveTimestamp" -> e.receiveTimestamp = scalar(p, t, null);
        case "logName" -> e.logName = scalar(p, t, "");
        case "severity" -> e.severity = scalar(p, t, "");
        case "resource" -> e.resource = p.readValueAsTree();
        default -> p.skipChildren();
      }
    }
  }

  private static void readPayload(JsonParser p, RawEntry e) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      switch (name) {
        case "request" -> e.requestBytes += skipMeasuring(p, t);
        case "response" -> e.responseBytes += skipMeasuring(p, t);
        case "metadata", "serviceData" -> e.metadataBytes += skipMeasuring(p, t);
        case "@type", "at_sign_type", "at_type" -> e.typeMarker = scalar(p, t, "");
        case "serviceName" -> e.serviceName = scalar(p, t, "");
        case "methodName" -> e.methodName = scalar(p, t, "");
        case "resourceName" -> e.resourceName = scalar(p, t, "");
        case "authenticationInfo" -> e.authenticationInfo = p.readValueAsTree();
        case "authorizationInfo" -> e.authorizationInfo = p.readValueAsTree();
        case "requestMetadata" -> e.requestMetadata = p.readValueAsTree();
        case "status" -> e.status = p.readValueAsTree();
        default -> p.skipChildren();
      }
    }
  }

  /** Skips the current value and returns its size in input bytes (0 for null). */
  private static long skipMeasuring(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return 0;
    }
    long start = p.currentTokenLocation().getByteOffset();
    p.skipChildren();
    return Math.max(0, p.currentLocation().getByteOffset() - start);
  }

  /** Text of a scalar value; objects and arrays are skipped and give {@code absent}. */
  private static String scalar(JsonParser p, JsonToken t, String absent) throws IOException {
    if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
      p.skipChildren();
      return absent;
    }
    return t == JsonToken.VALUE_NULL ? absent : p.getText();
  }

  private ParseOutcome toEntry(RawEntry e, byte[] raw) {
    if (!e.hasProtoPayload) {
      return new ParseOutcome.Rejected(RejectReason.NOT_AUDIT_LOG,
          e.otherPayload != null ? "entry carries " + e.otherPayload + ", not an AuditLog protoPayload"
              : "entry has no protoPayload");
    }
    String kindId = logId(e.logName);
    boolean typed = e.typeMarker != null && !e.typeMarker.isEmpty();
    if (typed ? !AUDIT_LOG_TYPE.equals(e.typeMarker) : !kindId.startsWith(AUDIT_LOG_PREFIX)) {
      return new ParseOutcome.Rejected(RejectReason.NOT_AUDIT_LOG,
          "protoPayload type " + (typed ? e.typeMarker : "missing") + " in log " + e.logName);
    }
    if (e.timestamp == null || e.timestamp.isBlank()) {
      return new ParseOutcome.Rejected(RejectReason.MISSING_TIMESTAMP, "no timestamp (insertId " + e.insertId + ")");
    }
    long now = clock.getAsLong();
    long ts;
    try {
      ts = plausibleTimestampMs(e.timestamp, now);
    } catch (DateTimeParseException ex) {
      return new ParseOutcome.Rejected(RejectReason.BAD_TIMESTAMP, ex.getMessage());
    }
    GcpAuditEntry.Builder b = GcpAuditEntry.newBuilder()
        .setInsertId(e.insertId)
        .setTimestampMs(ts)
        .setReceiveTimestampMs(receiveMs(e.receiveTimestamp, now))
        .setLogName(e.logName)
        .setLogKind(logKind(kindId))
        .setSeverity(e.severity)
        .setServiceName(e.serviceName)
        .setMethodName(e.methodName)
        .setResourceName(e.resourceName)
        .setRequestBytes(e.requestBytes)
        .setResponseBytes(e.responseBytes)
        .setMetadataBytes(e.metadataBytes);
    String project = "";
    if (e.resource != null) {
      b.setResourceType(text(e.resource.get("type")));
      JsonNode labels = e.resource.get("labels");
      if (labels != null && labels.isObject()) {
        for (Map.Entry<String, JsonNode> l : labels.properties()) {
          if (l.getValue().isValueNode() && !l.getValue().isNull()) {
            b.putResourceLabels(l.getKey(), l.getValue().asText());
          }
        }
        project = text(labels.get("project_id"));
      }
    }
    b.setProjectId(project.isEmpty() ? projectFromLogName(e.logName) : project);
    readAuthentication(e.authenticationInfo, b);
    if (e.requestMetadata != null) {
      b.setCallerIp(text(e.requestMetadata.get("callerIp")));
      b.setUserAgent(text(e.requestMetadata.get("callerSuppliedUserAgent")));
    }
    int code = 0;
    if (e.status != null) {
      code = intOf(e.status.get("code"));
      b.setStatusCode(code).setStatusMessage(text(e.status.get("message")));
    }
    b.setDenied(code == 7 || anyNotGranted(e.authorizationInfo));
    return new ParseOutcome.Accepted(b.build(), dedupKey(e.insertId, e.logName, ts, raw));
  }

  private static void readAuthentication(JsonNode auth, GcpAuditEntry.Builder b) {
    String email = "";
    String subject = "";
    if (auth != null && auth.isObject()) {
      email = text(auth.get("principalEmail"));
      subject = text(auth.get("principalSubject"));
      JsonNode chain = auth.get("serviceAccountDelegationInfo");
      if (chain != null && chain.isArray() && !chain.isEmpty()) {
        b.setImpersonationDepth(chain.size()).setFirstDelegate(delegateName(chain.get(0)));
      }
    }
    b.setPrincipalEmail(email).setPrincipalSubject(subject)
        .setPrincipal(!email.isEmpty() ? email : !subject.isEmpty() ? subject : UNKNOWN_PRINCIPAL);
  }

  /** The delegate's email (first-party) or subject; empty when the chain element names nobody. */
  private static String delegateName(JsonNode d) {
    JsonNode first = d.get("firstPartyPrincipal");
    if (first != null) {
      String email = text(first.get("principalEmail"));
      if (!email.isEmpty()) {
        return email;
      }
    }
    String subject = text(d.get("principalSubject"));
    if (!subject.isEmpty()) {
      return subject;
    }
    JsonNode third = d.get("thirdPartyPrincipal");
    return third == null ? "" : text(third.path("thirdPartyClaims").get("principal"));
  }

  private static boolean anyNotGranted(JsonNode authz) {
    if (authz == null || !authz.isArray()) {
      return false;
    }
    for (JsonNode a : authz) {
      JsonNode g = a.get("granted");
      if (g != null && (g.isBoolean() ? !g.booleanValue() : "false".equalsIgnoreCase(g.asText()))) {
        return true;
      }
    }
    return false;
  }

  /** The log id after {@code /logs/}, URL-escaped slashes undone: {@code cloudaudit.googleapis.com/activity}. */
  static String logId(String logName) {
    int i = logName.indexOf("/logs/");
    String id = i < 0 ? logName : logName.substring(i + "/logs/".length());
    return id.replace("%2F", "/").replace("%2f", "/");
  }

  /** activity, data_access, system_event, policy or unknown. */
  static String logKind(String logId) {
    if (!logId.startsWith(AUDIT_LOG_PREFIX)) {
      return "unknown";
    }
    String kind = logId.substring(AUDIT_LOG_PREFIX.length());
    return switch (kind) {
      case "activity", "data_access", "system_event", "policy" -> kind;
      default -> "unknown";
    };
  }

  /** {@code projects/<id>/logs/...} gives {@code <id>}; other parents (organizations, folders) give "". */
  static String projectFromLogName(String logName) {
    if (!logName.startsWith("projects/")) {
      return "";
    }
    int end = logName.indexOf('/', "projects/".length());
    return end < 0 ? "" : logName.substring("projects/".length(), end);
  }

  /**
   * RFC 3339 (any offset, up to nanoseconds), else {@code yyyy-MM-dd HH:mm:ss[.f]} as UTC. Every failure, an instant
   * whose epoch milliseconds overflow a long included, is a {@link DateTimeParseException}.
   */
  static long parseTimestampMs(String s) {
    String v = s.trim();
    try {
      try {
        return Instant.parse(v).toEpochMilli();
      } catch (DateTimeParseException e) {
        return LocalDateTime.parse(v, SPACED).toInstant(ZoneOffset.UTC).toEpochMilli();
      }
    } catch (DateTimeParseException e) {
      throw new DateTimeParseException("unreadable timestamp " + quoted(s), s, 0, e);
    } catch (DateTimeException | ArithmeticException e) {
      throw new DateTimeParseException("timestamp " + quoted(s) + " is not a representable instant", s, 0, e);
    }
  }

  /** {@link #parseTimestampMs} of an instant after 1970 and at most {@link #MAX_AHEAD} after {@code nowMs}. */
  static long plausibleTimestampMs(String s, long nowMs) {
    long ms = parseTimestampMs(s);
    if (ms <= 0) {
      throw new DateTimeParseException("timestamp " + quoted(s) + " is not after 1970-01-01T00:00:00Z", s, 0);
    }
    if (ms > nowMs + MAX_AHEAD.toMillis()) {
      throw new DateTimeParseException("timestamp " + quoted(s) + " is more than " + MAX_AHEAD.toHours() + " h after "
          + Instant.ofEpochMilli(nowMs), s, 0);
    }
    return ms;
  }

  private static String quoted(String s) {
    return "'" + (s.length() <= QUOTED_MAX ? s : s.substring(0, QUOTED_MAX) + "…") + "'";
  }

  /** A secondary timestamp: 0 when absent, unreadable or implausible; the entry is still good. */
  private static long receiveMs(String s, long nowMs) {
    if (s == null || s.isBlank()) {
      return 0;
    }
    try {
      return plausibleTimestampMs(s, nowMs);
    } catch (DateTimeParseException e) {
      return 0;
    }
  }

  /**
   * insertId is unique per log and timestamp, so the key combines the three; entries without an insertId fall back
   * to a hash of their bytes (exact re-deliveries still collapse).
   */
  private static String dedupKey(String insertId, String logName, long ts, byte[] raw) {
    if (!insertId.isEmpty()) {
      // the log name is long and repeats: its hash keeps the remembered keys small
      return insertId + '|' + ts + '|' + Integer.toHexString(logName.hashCode());
    }
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(raw);
      return "sha256:" + HexFormat.of().formatHex(h, 0, 16);
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex);
    }
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() || n.isContainerNode() ? "" : n.asText();
  }

  private static int intOf(JsonNode n) {
    if (n == null || n.isNull()) {
      return 0;
    }
    if (n.isNumber()) {
      return n.intValue();
    }
    try {
      return Integer.parseInt(n.asText().trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
