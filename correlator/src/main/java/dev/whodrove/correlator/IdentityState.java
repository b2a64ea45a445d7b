package dev.whodrove.correlator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the correlator remembers of one identity: its recent sessions on both sides, each with the peers it was last
 * published as paired with, and whether the identity has ever paired (for the never-matched count).
 */
public final class IdentityState {
  /** A remembered session and the sessions its last verdict listed as correlated. */
  public static final class Entry {
    SessionSide side;
    Set<String> peers;

    Entry(SessionSide side, Set<String> peers) {
      this.side = side;
      this.peers = new TreeSet<>(peers);
    }

    public SessionSide side() {
      return side;
    }

    public Set<String> peers() {
      return peers;
    }
  }

  static final int SEEN_TELEPORT = 1;
  static final int SEEN_GCP = 2;

  final List<Entry> entries = new ArrayList<>();
  boolean everPaired;
  int sidesSeen;

  public List<Entry> entries() {
    return entries;
  }

  Entry find(String sessionId) {
    for (Entry e : entries) {
      if (e.side.sessionId().equals(sessionId)) {
        return e;
      }
    }
    return null;
  }

  Entry remove(String sessionId) {
    Entry e = find(sessionId);
    if (e != null) {
      entries.remove(e);
    }
    return e;
  }

  /** Drops sessions that ended before {@code horizonMs}; true when any went. */
  boolean expire(long horizonMs) {
    return entries.removeIf(e -> e.side.endMs() < horizonMs);
  }

  /** Keeps the {@code max} sessions that ended last (never {@code keep}); true when any went. */
  boolean cap(int max, String keep) {
    if (entries.size() <= max) {
      return false;
    }
    List<Entry> byEnd = new ArrayList<>(entries);
    byEnd.sort(Comparator.comparingLong((Entry e) -> e.side.endMs()).thenComparing(e -> e.side.sessionId()));
    int drop = entries.size() - max;
    for (Entry e : byEnd) {
      if (drop == 0) {
        break;
      }
      if (!e.side.sessionId().equals(keep)) {
        entries.remove(e);
        drop--;
      }
    }
    return true;
  }

  /** Which sides the identity was seen on: teleport-only, gcp-only or both. */
  String seenTag() {
    return switch (sidesSeen) {
      case SEEN_TELEPORT -> "teleport-only";
      case SEEN_GCP -> "gcp-only";
      default -> "both";
    };
  }

  /** The newest session end remembered, or 0. */
  long newestEndMs() {
    long max = 0;
    for (Entry e : entries) {
      max = Math.max(max, e.side.endMs());
    }
    return max;
  }
}
