package dev.whodrove.featurizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decoded state objects of the most recently used keys, so a busy session is not decoded from bytes on every record.
 * An entry is used only while the store still returns the very byte array it was encoded to (same reference): after a
 * cache flush, a restore or any other writer the store hands out a different array and the state is decoded again.
 * The caller must {@link #invalidate} a key whose object it changed without storing it (a failed record).
 */
final class DecodedStateCache<T> {
  private record Entry<T>(byte[] bytes, T state) {}

  private final Map<String, Entry<T>> entries;

  DecodedStateCache(int capacity) {
    this.entries = new LinkedHashMap<>(64, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry<T>> eldest) {
        return size() > capacity;
      }
    };
  }

  /** The cached state for these exact stored bytes, or null. */
  T get(String key, byte[] storedBytes) {
    Entry<T> e = entries.get(key);
    return e != null && e.bytes() == storedBytes ? e.state() : null;
  }

  void put(String key, byte[] storedBytes, T state) {
    entries.put(key, new Entry<>(storedBytes, state));
  }

  void invalidate(String key) {
    entries.remove(key);
  }

  void clear() {
    entries.clear();
  }
}
