package dev.whodrove.featurizer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/** Deterministic session ids for GCP substrates. */
public final class Ids {
  private Ids() {}

  /** RFC 3339 UTC, second precision, as Go's time.RFC3339 renders a UTC time: 2026-04-25T10:00:00Z. */
  public static String rfc3339(long epochMs) {
    return DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(Math.floorDiv(epochMs, 1000)));
  }

  /**
   * The synthetic session id of the study's {@code whodrove-gcp} CLI: gcp- + first 24 hex of
   * sha256(principal|first bucket RFC 3339 UTC).
   */
  public static String gcpSessionId(String principal, long firstBucketMs) {
    return "gcp-" + sha256Hex(principal + "|" + rfc3339(firstBucketMs)).substring(0, 24);
  }

  /**
   * gcloud burst id: gcpburst- + first 24 hex of sha256(principal|caller ip|grouping user agent|first entry time), the
   * time as ISO-8601 UTC with milliseconds (2026-04-25T09:00:00.250Z; whole seconds print without a fraction). The
   * grouping user agent is the normalized one ({@link UserAgentNormalizer}) unless bursts group literally, so the id
   * does not depend on invocation ids, commands or front-end suffixes: the same entries always give the same id.
   */
  public static String burstId(String principal, String callerIp, String userAgent, long firstMs) {
    return "gcpburst-" + sha256Hex(principal + "|" + callerIp + "|" + userAgent + "|"
        + DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(firstMs))).substring(0, 24);
  }

  static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
