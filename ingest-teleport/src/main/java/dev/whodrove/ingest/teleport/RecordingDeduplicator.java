package dev.whodrove.ingest.teleport;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers which session ids had a recording published in the last {@code window}, so the same recording announced
 * by several sources (session.upload, an S3 notification, the records directory) is published once. Bounded in both
 * time and entries; thread-safe.
 */
public final class RecordingDeduplicator {
  private final long windowMs;
  private final int maxEntries;
  private final Clock clock;
  /** sid -> time first claimed, in insertion (= time) order. */
  private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>();

  public RecordingDeduplicator(Duration window, int maxEntries, Clock clock) {
    this.windowMs = window.toMillis();
    this.maxEntries = maxEntries;
    this.clock = clock;
  }

  /** Claims {@code sid}: true if it was not seen within the window (the caller publishes), false for a duplicate. */
  public synchronized boolean claim(String sid) {
    long now = clock.millis();
    expire(now);
    if (windowMs <= 0) {
      return true;
    }
    if (seen.containsKey(sid)) {
      return false;
    }
    seen.put(sid, now);
    return true;
  }

  /** Forgets a claim whose publication failed, so a retry is not treated as a duplicate. */
  public synchronized void release(String sid) {
    seen.remove(sid);
  }

  public synchronized int size() {
    return seen.size();
  }

  private void expire(long now) {
    Iterator<Map.Entry<String, Long>> it = seen.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Long> e = it.next();
      if (now - e.getValue() >= windowMs || seen.size() > maxEntries) {
        it.remove();
      } else {
        break;
      }
    }
  }
}
