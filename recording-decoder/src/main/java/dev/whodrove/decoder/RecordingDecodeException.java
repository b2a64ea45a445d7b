package dev.whodrove.decoder;

import java.io.IOException;

/**
 * The recording's bytes are not a recording we can read: a corrupt or hostile object, or a format we do not
 * support. Permanent: reading the same bytes again fails the same way. Failures of the underlying stream (network,
 * disk) are plain {@link IOException}s instead, so callers can retry those.
 */
public final class RecordingDecodeException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String reason;
  private final long byteOffset;

  /**
   * @param reason short machine-friendly class of the failure (metrics tag), e.g. {@code record-size}
   * @param byteOffset offset in the stored object where the problem was found, or -1
   */
  public RecordingDecodeException(String reason, long byteOffset, String message) {
    super(wellFormed(message));
    this.reason = reason;
    this.byteOffset = byteOffset;
  }

  public RecordingDecodeException(String reason, long byteOffset, String message, Throwable cause) {
    super(wellFormed(message), cause);
    this.reason = reason;
    this.byteOffset = byteOffset;
  }

  /** Short class of the failure, usable as a metrics tag. */
  public String reason() {
    return reason;
  }

  /** Offset in the stored object, or -1 when not applicable. */
  public long byteOffset() {
    return byteOffset;
  }

  /**
   * The message with every lone surrogate (a parser quoting a bad character of the input) replaced by U+FFFD: it is
   * published as the recording's {@code parse_error}, a UTF-8 string, and must read there as it reads here.
   */
  static String wellFormed(String message) {
    if (message == null) {
      return null;
    }
    StringBuilder sb = null;
    for (int i = 0; i < message.length(); i++) {
      char c = message.charAt(i);
      boolean paired = Character.isHighSurrogate(c) && i + 1 < message.length()
          && Character.isLowSurrogate(message.charAt(i + 1));
      if (paired) {
        if (sb != null) {
          sb.append(c).append(message.charAt(i + 1));
        }
        i++;
      } else if (Character.isSurrogate(c)) {
        if (sb == null) {
          sb = new StringBuilder(message.length()).append(message, 0, i);
        }
        sb.append('\uFFFD');
      } else if (sb != null) {
        sb.append(c);
      }
    }
    return sb == null ? message : sb.toString();
  }
}
