package dev.whodrove.decoder;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where a recording object lives, parsed from an untrusted reference (audit events name it). Only {@code s3://},
 * {@code gs://} (Cloud Storage) and {@code file://} are accepted; dot segments, user info, ports on bucket URIs and
 * hosts on file URIs are refused.
 *
 * <p>Teleport's {@code session.upload} URL names the upload, not the object: {@code s3://bucket/path/<sid>} or
 * {@code gs://bucket/path/<sid>} or {@code file://<records>/multi/<sid>}, never with the {@code .tar} suffix. The
 * object is {@code <path>/<sid>.tar}
 * (and {@code <records>/<sid>.tar} for the file backend), so a last segment without an extension gets ".tar", and
 * a file URL ending in {@code multi/<name>} points two levels up.
 *
 * @param scheme {@code s3}, {@code gs} or {@code file}
 * @param bucket bucket (empty for files)
 * @param path object name (S3 key) without a leading slash, or the absolute file path
 */
public record RecordingLocation(String scheme, String bucket, String path) {

  /** Parses and normalizes {@code uri}; refusals are permanent {@link StoreException}s with reason "refused". */
  public static RecordingLocation parse(String uri) throws StoreException {
    if (uri == null || uri.isBlank()) {
      throw refused("recording uri is empty");
    }
    URI u;
    try {
      u = new URI(uri.trim());
    } catch (URISyntaxException e) {
      throw refused("malformed recording uri: " + e.getMessage());
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (u.getRawQuery() != null || u.getRawFragment() != null) {
      throw refused("recording uri must not carry a query or fragment: " + uri);
    }
    return switch (scheme) {
      case "s3", "gs" -> bucketObject(scheme, u, uri);
      case "file" -> file(u, uri);
      default -> throw refused("unsupported recording uri scheme '" + scheme + "' in " + uri
          + " (only s3://, gs:// and file:// are read)");
    };
  }

  /** {@code s3://bucket/key} or {@code gs://bucket/object}. */
  private static RecordingLocation bucketObject(String scheme, URI u, String uri) throws StoreException {
    String bucket = u.getRawAuthority();
    if (bucket == null || bucket.isEmpty() || u.getRawUserInfo() != null || bucket.contains(":")
        || bucket.contains("@")) {
      throw refused(scheme + " uri needs a plain bucket name: " + uri);
    }
    String key = u.getPath() == null ? "" : u.getPath();
    while (key.startsWith("/")) {
      key = key.substring(1);
    }
    if (key.isEmpty()) {
      throw refused(scheme + " uri names no object: " + uri);
    }
    checkSegments(key, uri);
    return new RecordingLocation(scheme, bucket, withTarSuffix(key));
  }

  private static RecordingLocation file(URI u, String uri) throws StoreException {
    String host = u.getRawAuthority();
    if (host != null && !host.isEmpty() && !host.equalsIgnoreCase("localhost")) {
      throw refused("file uri must not name a host: " + uri);
    }
    String path = u.getPath();
    if (path == null || !path.startsWith("/")) {
      throw refused("file uri needs an absolute path: " + uri);
    }
    checkSegments(path, uri);
    String[] seg = path.split("/");
    if (seg.length >= 3 && seg[seg.length - 2].equals("multi") && !seg[seg.length - 1].contains(".")) {
      // file backend upload url: <records>/multi/<sid> → <records>/<sid>.tar
      String records = String.join("/", java.util.Arrays.copyOf(seg, seg.length - 2));
      return new RecordingLocation("file", "", records + "/" + seg[seg.length - 1] + ".tar");
    }
    return new RecordingLocation("file", "", withTarSuffix(path));
  }

  private static void checkSegments(String path, String uri) throws StoreException {
    for (String s : path.split("/", -1)) {
      if (s.equals("..") || s.equals(".")) {
        throw refused("dot segments are not allowed in recording uris: " + uri);
      }
    }
    if (path.indexOf('\0') >= 0 || path.contains("\\")) {
      throw refused("recording uri contains forbidden characters: " + uri);
    }
  }

  private static String withTarSuffix(String path) {
    String last = path.substring(path.lastIndexOf('/') + 1);
    return last.contains(".") ? path : path + ".tar";
  }

  static StoreException refused(String message) {
    return StoreException.permanent("refused", message);
  }

  @Override
  public String toString() {
    return scheme.equals("file") ? "file://" + path : scheme + "://" + bucket + "/" + path;
  }
}
