package dev.whodrove.runtime;

import java.util.Optional;

/** Where a windowed source keeps its {@link Watermark}s, one per key. */
public interface WatermarkStore extends AutoCloseable {
  Optional<Watermark> load(String key);

  /** Returns once the watermark is durably stored. */
  void save(String key, Watermark watermark);

  @Override
  default void close() {}

  /** Keeps nothing: a backfill over a fixed range neither reads nor moves a live watermark. */
  WatermarkStore NONE = new WatermarkStore() {
    @Override
    public Optional<Watermark> load(String key) {
      return Optional.empty();
    }

    @Override
    public void save(String key, Watermark watermark) {}
  };
}
