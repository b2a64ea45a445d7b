package dev.whodrove.llm;

import dev.whodrove.decoder.DecoderConfig;
import dev.whodrove.decoder.PrintPayload;
import dev.whodrove.decoder.RecordingDecoder;
import dev.whodrove.decoder.RecordingDecoderService;
import dev.whodrove.decoder.RecordingStores;
import dev.whodrove.decoder.StoreException;
import dev.whodrove.decoder.StoredObject;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.schemas.PrintEvents;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Terminal text of a recording read through the recording decoder's own stores and reader: Teleport ProtoStream or
 * asciicast, from {@code file://} or {@code s3://}, under allowlists of the decoder's kind, set with the scorer's own
 * {@code llm.store.*} keys ({@code llm.store.file.roots}, {@code llm.store.s3.allow}, … : the decoder's
 * {@code decoder.store.*} keys under the scorer's prefix). A location outside the allowlists yields no content (the
 * prompt goes without it).
 */
public final class StoreRecordingTextSource implements RecordingTextSource, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreRecordingTextSource.class);
  private final RecordingStores stores;
  private final RecordingDecoder decoder;

  public StoreRecordingTextSource(ServiceConfig cfg) {
    DecoderConfig dc = DecoderConfig.from(decoderView(cfg));
    this.stores = RecordingDecoderService.storesFrom(dc);
    this.decoder = new RecordingDecoder(new RecordingDecoder.Settings(dc.decode().limits(), PrintPayload.RAW, false));
  }

  /** The decoder's store keys taken from the scorer's {@code llm.store.*} keys, raw print payloads. */
  static ServiceConfig decoderView(ServiceConfig cfg) {
    Map<String, String> m = new HashMap<>();
    cfg.asMap().forEach((k, v) -> {
      if (k.startsWith(LlmConfig.STORE_PREFIX)) {
        m.put(DecoderConfig.STORE_PREFIX + k.substring(LlmConfig.STORE_PREFIX.length()), v);
      }
    });
    m.put(DecoderConfig.PRINT_PAYLOAD, "raw");
    return ServiceConfig.of(m);
  }

  @Override
  public Optional<String> text(String recordingUri, int maxChars) throws IOException {
    if (recordingUri == null || recordingUri.isBlank()) {
      return Optional.empty();
    }
    StringBuilder raw = new StringBuilder();
    try (StoredObject o = stores.open(recordingUri)) {
      RecordingDecoder.Result r = decoder.decode(o.stream(), "", recordingUri, o.size(), ev -> {
        // keep reading past the cap only to drain: the decoder works as a stream and holds nothing
        PrintEvents.forEach(ev, (index, timeMs, chunk) -> {
          if (raw.length() < 4L * maxChars) {
            raw.append(chunk.getRaw().toStringUtf8());
          }
        });
      });
      if (!r.ok() && raw.length() == 0) {
        throw new IOException("recording " + recordingUri + " unreadable: " + r.error().getMessage());
      }
    } catch (StoreException e) {
      if (e.isTransient()) {
        throw new IOException(e.getMessage(), e);
      }
      log.warn("no PTY content for the prompt: {}", e.getMessage());
      return Optional.empty();
    }
    String text = FileRecordingTextSource.clean(raw.toString());
    return Optional.of(text.length() > maxChars ? text.substring(0, maxChars) : text);
  }

  @Override
  public void close() {
    stores.close();
  }
}
