package dev.whodrove.decoder;

/**
 * One allowlist entry of an object store (S3, Cloud Storage): a bucket and a key prefix of whole path segments ("" =
 * the whole bucket). Recording URIs are untrusted, so the prefix never matches part of a segment.
 */
public record BucketPrefix(String bucket, String prefix) {

  /** Parses {@code bucket} or {@code bucket/prefix}, optionally written as {@code <scheme>://bucket/prefix}. */
  public static BucketPrefix parse(String entry, String scheme) {
    String e = entry.trim();
    if (e.startsWith(scheme + "://")) {
      e = e.substring(scheme.length() + 3);
    }
    int slash = e.indexOf('/');
    return slash < 0 ? new BucketPrefix(e, "") : new BucketPrefix(e.substring(0, slash), e.substring(slash + 1));
  }

  /**
   * Whether the entry covers {@code loc}: same bucket, and the object name lies under the prefix by whole path
   * segments ({@code sessions} covers {@code sessions/x.tar}, never {@code sessions-x/y.tar}); a prefix naming one
   * object covers that object.
   */
  public boolean permits(RecordingLocation loc) {
    return covers(bucket, prefix, loc);
  }

  static boolean covers(String bucket, String prefix, RecordingLocation loc) {
    if (!bucket.equals(loc.bucket())) {
      return false;
    }
    String p = prefix;
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    if (p.isEmpty()) {
      return true;
    }
    String key = loc.path();
    return key.equals(p) || key.startsWith(p + "/");
  }
}
