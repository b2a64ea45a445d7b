package dev.whodrove.ingest.teleport;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.ingest.teleport.EventRejectedException.Reason;
import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Builds {@link RecordingRef}s from the three places that say a recording is finished: a {@code session.upload}
 * audit event, an S3 {@code ObjectCreated} notification, and a {@code <sid>.tar} file in the records directory.
 *
 * <p>References are untrusted: a session id must be a plain file-name token ({@link #validSid}), a bucket name a
 * bucket name (no {@code /}), and an object path must not hold a {@code .} or {@code ..} segment (also
 * percent-encoded), else the reference is rejected ({@code bad_notification}); the decoder refuses such paths as
 * well.
 */
public final class RecordingRefs {
  public static final String ORIGIN_SESSION_UPLOAD = "session.upload";
  public static final String ORIGIN_S3_NOTIFICATION = "s3-notification";
  public static final String ORIGIN_RECORDS_DIR = "records-dir";

  private static final String TAR = ".tar";
  /** Session ids are UUIDs in practice; accept any plain file-name token so simulated ids work too. */
  private static final Pattern SID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  /** S3 bucket names, legacy ones (capitals, underscores, up to 255 characters) included: never a path. */
  private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{2,254}");
  private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(AuditEventParser.MAX_NESTING_DEPTH)
          .build()).build());

  private RecordingRefs() {}

  /** Whether {@code sid} is usable as a session id (and as a file name). */
  public static boolean validSid(String sid) {
    return sid != null && SID.matcher(sid).matches() && !sid.endsWith(TAR);
  }

  /**
   * The object a {@code session.upload} url names. Teleport reports the url without the {@code .tar} suffix, and for
   * the file backend names the in-progress uploads directory ({@code <records>/multi/<sid>}) instead of the final
   * file ({@code <records>/<sid>.tar}).
   */
  public static String objectUriFromUploadUrl(String url, String sid) throws EventRejectedException {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new EventRejectedException(Reason.BAD_NOTIFICATION, "session.upload url is not a URI: "
          + TeleportTimes.quoted(url), e);
    }
    if (uri.getScheme() == null) {
      throw new EventRejectedException(Reason.BAD_NOTIFICATION, "session.upload url has no scheme: "
          + TeleportTimes.quoted(url));
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    refuseDotSegments(path, "session.upload url");
    if (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String last = path.substring(path.lastIndexOf('/') + 1);
    if (last.endsWith(TAR)) {
      return uri.toString();
    }
    if ("file".equalsIgnoreCase(uri.getScheme())) {
      int slash = path.lastIndexOf('/');
      String dir = slash < 0 ? "" : path.substring(0, slash);
      if (dir.endsWith("/multi")) {
        dir = dir.substring(0, dir.length() - "/multi".length());
      }
      String name = last.isEmpty() ? sid : last;
      return "file://" + dir + "/" + name + TAR;
    }
    return uri.getScheme() + "://" + (uri.getRawAuthority() == null ? "" : uri.getRawAuthority()) + path + TAR;
  }

  /** The recording a {@code session.upload} event announces, or empty for any other event. */
  public static Optional<RecordingRef> fromUploadEvent(TeleportAuditEvent e, long nowMs)
      throws EventRejectedException {
    if (!"session.upload".equals(e.getType())) {
      return Optional.empty();
    }
    if (!validSid(e.getSessionId())) {
      throw new EventRejectedException(Reason.BAD_NOTIFICATION, "session.upload without a usable sid");
    }
    if (e.getRecordingUrl().isBlank()) {
      throw new EventRejectedException(Reason.BAD_NOTIFICATION, "session.upload " + e.getSessionId() + " has no url");
    }
    return Optional.of(RecordingRef.newBuilder()
        .setSessionId(e.getSessionId())
        .setUri(objectUriFromUploadUrl(e.getRecordingUrl(), e.getSessionId()))
        .setOrigin(ORIGIN_SESSION_UPLOAD)
        .setDiscoveredAtMs(nowMs)
        .setCluster(e.getCluster())
        .setSource(e.getSource())
        .build());
  }

  /** A finished {@code <sid>.tar} in a records directory; empty for anything else (sidecars, temp files). */
  public static Optional<RecordingRef> fromRecordsFile(Path file, long size, long nowMs, SourcePosition source) {
    String name = file.getFileName().toString();
    if (!name.endsWith(TAR)) {
      return Optional.empty();
    }
    String sid = name.substring(0, name.length() - TAR.length());
    if (!validSid(sid)) {
      return Optional.empty();
    }
    return Optional.of(RecordingRef.newBuilder()
        .setSessionId(sid)
        .setUri(file.toAbsolutePath().normalize().toUri().toString())
        .setOrigin(ORIGIN_RECORDS_DIR)
        .setSizeBytes(size)
        .setDiscoveredAtMs(nowMs)
        .setSource(source)
        .build());
  }

  /** What one S3 notification message held: the recordings it names and how many records were ignored. */
  public record Notification(List<RecordingRef> refs, int ignored) {}

  /**
   * Reads an S3 event notification (optionally wrapped in an SNS envelope). {@code ObjectCreated} records of
   * {@code *.tar} keys become refs; other records (sidecars, deletions) and S3's {@code s3:TestEvent} are ignored.
   * Anything that is not such a notification is rejected.
   */
  public static Notification fromS3Notification(String body, long nowMs, SourcePosition source)
      throws EventRejectedException {
    JsonNode root = readJson(body);
    if (root.isObject() && root.has("Type") && root.has("Message") && root.get("Message").isTextual()) {
      root = readJson(root.get("Message").asText()); // SNS fan-out envelope
    }
    if (!root.isObject()) {
      throw new EventRejectedException(Reason.BAD_NOTIFICATION, "S3 notification is not a JSON object");
    }
    if ("s3:TestEvent".equals(AuditEventParser.text(root, "Event"))) {
      return new Notification(List.of(), 1);
    }
    JsonNode records = root.get("Records");
    if (records == null || !records.isArray()) {
      throw new EventRejectedException(Reason.BAD_NOTIFICATION, "S3 notification has no Records array");
    }
    List<RecordingRef> refs = new ArrayList<>();
    int ignored = 0;
    for (JsonNode r : records) {
      String eventName = AuditEventParser.text(r, "eventName");
      JsonNode s3 = r.get("s3");
      if (s3 == null || !s3.isObject() || !s3.path("bucket").isObject() || !s3.path("object").isObject()) {
        throw new EventRejectedException(Reason.BAD_NOTIFICATION, "S3 notification record without s3.bucket/object");
      }
      String bucket = AuditEventParser.text(s3.get("bucket"), "name");
      String rawKey = AuditEventParser.text(s3.get("object"), "key");
      if (bucket.isEmpty() || rawKey.isEmpty()) {
        throw new EventRejectedException(Reason.BAD_NOTIFICATION, "S3 notification record without bucket name or key");
      }
      if (!BUCKET.matcher(bucket).matches()) {
        throw new EventRejectedException(Reason.BAD_NOTIFICATION, "S3 notification bucket name is not one: "
            + TeleportTimes.quoted(bucket));
      }
      // S3 form-encodes keys in notifications (space as '+')
      String key;
      try {
        key = URLDecoder.decode(rawKey, StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new EventRejectedException(Reason.BAD_NOTIFICATION, "S3 notification key is not form-encoded: "
            + TeleportTimes.quoted(rawKey), e);
      }
      refuseDotSegments(key, "S3 object key");
      String name = key.substring(key.lastIndexOf('/') + 1);
      String sid = name.endsWith(TAR) ? name.substring(0, name.length() - TAR.length()) : "";
      if (!eventName.startsWith("ObjectCreated") || !validSid(sid)) {
        ignored++;
        continue;
      }
      JsonNode obj = s3.get("object");
      String version = AuditEventParser.text(obj, "versionId");
      refs.add(RecordingRef.newBuilder()
          .setSessionId(sid)
          .setUri("s3://" + bucket + "/" + key)
          .setOrigin(ORIGIN_S3_NOTIFICATION)
          .setSizeBytes(obj.path("size").asLong(0))
          .setVersion(version.isEmpty() ? AuditEventParser.text(obj, "eTag") : version)
          .setDiscoveredAtMs(nowMs)
          .setSource(source)
          .build());
    }
    return new Notification(refs, ignored);
  }

  /** Rejects a path with a {@code .} or {@code ..} segment: a reference must name its object directly. */
  static void refuseDotSegments(String path, String what) throws EventRejectedException {
    for (String segment : path.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        throw new EventRejectedException(Reason.BAD_NOTIFICATION, what + " has a \"" + segment + "\" segment: "
            + TeleportTimes.quoted(path));
      }
    }
  }

  private static JsonNode readJson(String body) throws EventRejectedException {
    try {
      JsonNode n = MAPPER.readTree(body);
      if (n == null) {
        throw new EventRejectedException(Reason.BAD_NOTIFICATION, "empty S3 notification");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new EventRejectedException(Reason.NOT_JSON, "S3 notification is not JSON: " + e.getOriginalMessage(), e);
    }
  }
}
