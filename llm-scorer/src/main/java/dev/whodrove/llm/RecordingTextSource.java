package dev.whodrove.llm;

import java.io.IOException;
import java.util.Optional;

/**
 * Fetches the terminal output of one recording as plain text, for phase 2 when content review is allowed. The text
 * is raw (secrets included): callers redact it before it goes anywhere.
 *
 * <p>{@link FileRecordingTextSource} reads {@code file://} recordings stored as plain text or asciicast. A source
 * backed by the recording decoder (Teleport ProtoStream from a file or S3 store) implements this same interface and
 * plugs into {@link LlmScorerService} in place of it.
 */
public interface RecordingTextSource {

  /**
   * The printed text of the recording at {@code recordingUri}, at most about {@code maxChars} characters, or empty when
   * this source cannot read that kind of location.
   *
   * @throws IOException when the recording should be readable here but is not
   */
  Optional<String> text(String recordingUri, int maxChars) throws IOException;

  /** A source that never returns content. */
  static RecordingTextSource none() {
    return (uri, max) -> Optional.empty();
  }
}
