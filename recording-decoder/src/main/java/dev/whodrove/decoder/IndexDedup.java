package dev.whodrove.decoder;

/**
 * Teleport's playback rule for event indexes: an event whose index repeats or goes backwards is dropped, and one that
 * skips ahead is kept but counted as out of order. Kept apart from the reader so decoding that reads parts on
 * several threads applies it once, in recording order.
 */
final class IndexDedup {
  private long totalEvents;
  private long skippedEvents;
  private long outOfOrderEvents;
  private long lastIndex = -1;

  /** Counts a record with event index {@code index}; false when it is dropped. Call once per record, in order. */
  boolean keep(long index) {
    totalEvents++;
    if (index <= lastIndex) {
      skippedEvents++;
      return false;
    }
    if (lastIndex > 0 && index != lastIndex + 1) {
      outOfOrderEvents++;
    }
    lastIndex = index;
    return true;
  }

  long lastIndex() {
    return lastIndex;
  }

  long totalEvents() {
    return totalEvents;
  }

  long skippedEvents() {
    return skippedEvents;
  }

  long outOfOrderEvents() {
    return outOfOrderEvents;
  }
}
