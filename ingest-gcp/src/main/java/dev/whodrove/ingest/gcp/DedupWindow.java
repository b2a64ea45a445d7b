package dev.whodrove.ingest.gcp;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * Remembers recently published de-duplication keys for a time window, bounded in size (oldest forgotten first).
 *
 * <p>A key counts as seen only once its record was acknowledged by Kafka: a failed write must not turn the redelivery
 * into a "duplicate" and lose it. While a write is in flight, a second copy follows the first copy's future.
 */
final class DedupWindow {
  /** The answer for one key. */
  sealed interface Claim {}

  /** Already published within the window. */
  record Seen() implements Claim {}

  /** Being published now; follow this future. */
  record InFlight(CompletableFuture<?> first) implements Claim {}

  /** Not seen: the caller publishes and must call {@link #finish}. */
  record Owner() implements Claim {}

  private static final Claim SEEN = new Seen();
  private static final Claim OWNER = new Owner();

  private final long windowMs;
  private final int maxKeys;
  private final LongSupplier clock;
  private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>();
  private final Map<String, CompletableFuture<?>> inFlight = new HashMap<>();

  DedupWindow(Duration window, int maxKeys, LongSupplier clockMs) {
    this.windowMs = window.toMillis();
    this.maxKeys = maxKeys;
    this.clock = clockMs;
  }

  /** Claims {@code key}; when the answer is {@link Owner}, {@code future} is registered as the in-flight write. */
  synchronized Claim claim(String key, CompletableFuture<?> future) {
    if (windowMs <= 0) {
      return OWNER;
    }
    Long at = seen.get(key);
    if (at != null && clock.getAsLong() - at <= windowMs) {
      return SEEN;
    }
    CompletableFuture<?> first = inFlight.get(key);
    if (first != null) {
      return new InFlight(first);
    }
    inFlight.put(key, future);
    return OWNER;
  }

  /** Ends the in-flight write of {@code key}; only a successful one is remembered. */
  synchronized void finish(String key, boolean published) {
    if (windowMs <= 0) {
      return;
    }
    inFlight.remove(key);
    if (published) {
      long now = clock.getAsLong();
      seen.remove(key);
      seen.put(key, now);
      evict(now);
    }
  }

  private void evict(long now) {
    Iterator<Map.Entry<String, Long>> it = seen.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Long> e = it.next();
      if (seen.size() > maxKeys || now - e.getValue() > windowMs) {
        it.remove();
      } else {
        break;
      }
    }
  }

  synchronized int size() {
    return seen.size();
  }
}
