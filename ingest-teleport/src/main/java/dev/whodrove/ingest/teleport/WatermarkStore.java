package dev.whodrove.ingest.teleport;

import java.util.Optional;

/** Where the Athena poller keeps its watermark. */
public interface WatermarkStore extends AutoCloseable {
  Optional<AthenaWatermark> load(String key);

  /** Returns once the watermark is durably stored. */
  void save(String key, AthenaWatermark watermark);

  @Override
  default void close() {}
}
