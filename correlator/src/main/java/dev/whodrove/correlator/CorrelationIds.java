package dev.whodrove.correlator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Stable correlation ids: a digest of both session ids, so a replay or a corrected verdict keeps the id. */
public final class CorrelationIds {
  public static final String PREFIX = "xcorr-";

  private CorrelationIds() {}

  /** {@code xcorr-} + the first 24 hex characters of sha256({@code <teleport session id>|<gcp session id>}). */
  public static String of(String teleportSessionId, String gcpSessionId) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256")
          .digest((teleportSessionId + "|" + gcpSessionId).getBytes(StandardCharsets.UTF_8));
      return PREFIX + HexFormat.of().formatHex(d).substring(0, 24);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A short digest of an identity for log lines: enough to follow one identity, not to read it. */
  static String logTag(String identity) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
      return "id#" + HexFormat.of().formatHex(d).substring(0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
