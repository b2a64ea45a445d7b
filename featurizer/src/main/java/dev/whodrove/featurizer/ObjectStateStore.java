package dev.whodrove.featurizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * Live state objects over a persistent, changelogged byte store. {@link #put} only marks a key dirty; the dirty objects
 * are encoded and written when Streams flushes caches before it commits (and when one is evicted), so a session that
 * takes 600 events between two commits is encoded once, not 600 times, and exactly-once still holds: the encoded
 * state reaches the changelog inside the transaction that commits the input offsets.
 *
 * <p>It extends Streams' {@code WrappedStateStore} because the pre-commit hook ({@code flushCache}) is only called on
 * that internal interface; the public {@code flush}/{@code commit} run after the transaction has committed. It is not a
 * {@code KeyValueStore}, so processors get this object itself from {@code getStateStore}. The upgrade guards in
 * {@code ObjectStateStoreTest} fail when a Kafka Streams upgrade changes either side of that contract.
 *
 * <p>An object handed out by {@link #get} is the live state: a caller changes it and then calls {@link #put}. A record
 * that fails half-way leaves what it already changed (the record itself goes to the dead-letter topic).
 */
final class ObjectStateStore<T> extends WrappedStateStore<KeyValueStore<String, byte[]>, String, T> {
  /** How state objects become bytes and back. {@code decode} may return a fresh state for unreadable bytes. */
  interface Codec<T> {
    byte[] encode(T value);

    T decode(String key, byte[] bytes);
  }

  private static final class Entry<T> {
    T value;
    boolean dirty;

    Entry(T value, boolean dirty) {
      this.value = value;
      this.dirty = dirty;
    }
  }

  private final Codec<T> codec;
  private final Map<String, Entry<T>> entries;
  private long encodes;

  ObjectStateStore(KeyValueStore<String, byte[]> bytes, Codec<T> codec, int capacity) {
    super(bytes);
    this.codec = codec;
    // access order: the least recently used entry is evicted first, written out if it is dirty
    this.entries = new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry<T>> eldest) {
        if (size() <= capacity) {
          return false;
        }
        writeIfDirty(eldest.getKey(), eldest.getValue());
        return true;
      }
    };
  }

  /** A builder for {@code Topology.addStateStore}: RocksDB with a changelog, no byte-level record cache. */
  static <T> StoreBuilder<ObjectStateStore<T>> builder(String name, Codec<T> codec, int capacity) {
    StoreBuilder<KeyValueStore<String, byte[]>> bytes = Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.ByteArray()).withCachingDisabled();
    return new StoreBuilder<>() {
      @Override
      public StoreBuilder<ObjectStateStore<T>> withCachingEnabled() {
        throw new UnsupportedOperationException("the object store is its own cache");
      }

      @Override
      public StoreBuilder<ObjectStateStore<T>> withCachingDisabled() {
        return this;
      }

      @Override
      public StoreBuilder<ObjectStateStore<T>> withLoggingEnabled(Map<String, String> config) {
        bytes.withLoggingEnabled(config);
        return this;
      }

      @Override
      public StoreBuilder<ObjectStateStore<T>> withLoggingDisabled() {
        bytes.withLoggingDisabled();
        return this;
      }

      @Override
      public ObjectStateStore<T> build() {
        return new ObjectStateStore<>(bytes.build(), codec, capacity);
      }

      @Override
      public Map<String, String> logConfig() {
        return bytes.logConfig();
      }

      @Override
      public boolean loggingEnabled() {
        return bytes.loggingEnabled();
      }

      @Override
      public String name() {
        return bytes.name();
      }
    };
  }

  /** The live state for this key, or null if there is none. */
  T get(String key) {
    Entry<T> e = entries.get(key);
    if (e != null) {
      return e.value;
    }
    byte[] stored = wrapped().get(key);
    if (stored == null) {
      return null;
    }
    T value = codec.decode(key, stored);
    entries.put(key, new Entry<>(value, false));
    return value;
  }

  /** Records that this key's state changed; it is encoded before the next commit. */
  void put(String key, T value) {
    Objects.requireNonNull(value, "value");
    Entry<T> e = entries.get(key);
    if (e == null) {
      entries.put(key, new Entry<>(value, true));
    } else {
      e.value = value;
      e.dirty = true;
    }
  }

  void delete(String key) {
    entries.remove(key);
    wrapped().delete(key);
  }

  /**
   * Keys whose state passes a test: held objects are tested as objects, the rest by their stored bytes (so a cheap
   * header peek can skip decoding idle states).
   */
  List<String> keysWhere(Predicate<T> held, Predicate<byte[]> stored) {
    List<String> keys = new ArrayList<>();
    entries.forEach((key, e) -> {
      if (held.test(e.value)) {
        keys.add(key);
      }
    });
    try (KeyValueIterator<String, byte[]> it = wrapped().all()) {
      while (it.hasNext()) {
        KeyValue<String, byte[]> kv = it.next();
        if (kv.value != null && !entries.containsKey(kv.key) && stored.test(kv.value)) {
          keys.add(kv.key);
        }
      }
    }
    return keys;
  }

  /** How many times a state was encoded (a measure of how well updates are collapsed). */
  long encodes() {
    return encodes;
  }

  private void writeIfDirty(String key, Entry<T> e) {
    if (e.dirty) {
      wrapped().put(key, codec.encode(e.value));
      encodes++;
      e.dirty = false;
    }
  }

  @Override
  public void flushCache() {
    entries.forEach(this::writeIfDirty);
    super.flushCache();
  }

  @Override
  public void clearCache() {
    entries.clear();
    super.clearCache();
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    entries.clear(); // a revived task restores from the changelog; objects from before are void
    super.init(context, root);
  }

  @Override
  public void close() {
    entries.clear(); // a clean close flushed first; a dirty close aborts the transaction these objects belong to
    super.close();
  }
}
