package dev.whodrove.schemas.labels;

import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * How the stamps several producers put on {@code session.labels} merge into one value per (session, key): the rules
 * {@code sessions.sqlite} (sqlite-sink) and the SIEM feeds (siem-export) share, so both show the same labels.
 *
 * <p>For one key, an incoming stamp replaces the stored one ({@link #replaces}):
 * <ol>
 *   <li>never when the stored stamp is a person's ({@code manual:*}) and the incoming one is not;</li>
 *   <li>always when the incoming stamp is a person's and the stored one is not;</li>
 *   <li>never when the stored stamp is truth imported from a fixture ({@code fixture:*}) and the incoming one is
 *       neither a person's nor another import;</li>
 *   <li>otherwise when its {@code set_at} is newer or equal: equal means the later delivery wins, which is how a
 *       replayed classifier re-stamps history. Later stages (phase 2, correlation) stamp later than the phase-1
 *       stamps they follow, so they win over them.</li>
 * </ol>
 *
 * <p>An automated verdict is its producer's ({@code set_by}) whole opinion of the session ({@link #apply}): stamps the
 * same producer set earlier under keys its newer verdict no longer carries are removed, unless they are newer than
 * it; and stamps older than the producer's newest stamp on the session change nothing (they count as outranked), so a
 * late copy of an old verdict cannot bring a removed stamp back. A person's stamps are set one by one and never
 * removed this way.
 */
public final class LabelMerge {
  /** Stamps whose {@code set_by} starts with this come from a person and outrank every automated stage. */
  public static final String MANUAL_PREFIX = "manual:";
  /** Stamps whose {@code set_by} starts with this are imported truth ({@code label import}), not a verdict. */
  public static final String FIXTURE_PREFIX = "fixture:";
  /** {@code set_by} of a stamp that names no producer in a verdict that names no stage. */
  public static final String UNKNOWN_PRODUCER = "unknown";

  private LabelMerge() {}

  /** Whether {@code setBy} is a person ({@code manual:<who>}). */
  public static boolean isManual(String setBy) {
    return setBy.startsWith(MANUAL_PREFIX);
  }

  /** Whether {@code incoming} replaces {@code stored} under the same key (both with their defaults filled). */
  public static boolean replaces(Label stored, Label incoming) {
    boolean storedManual = isManual(stored.getSetBy());
    boolean incomingManual = isManual(incoming.getSetBy());
    if (storedManual != incomingManual) {
      return incomingManual;
    }
    if (stored.getSetBy().startsWith(FIXTURE_PREFIX) && !incoming.getSetBy().startsWith(FIXTURE_PREFIX)) {
      return false;
    }
    return incoming.getSetAtMs() >= stored.getSetAtMs();
  }

  /**
   * A stamp with its defaults filled as it is merged: without {@code set_at_ms} it takes the verdict's
   * {@code emitted_at_ms}, else {@code fallbackMs} (the consumer's clock or the record time); without {@code set_by}
   * the verdict's {@code stage}, else {@value #UNKNOWN_PRODUCER}.
   */
  public static Label effective(Label l, SessionVerdict v, long fallbackMs) {
    long at = l.getSetAtMs() > 0 ? l.getSetAtMs() : v.getEmittedAtMs() > 0 ? v.getEmittedAtMs() : fallbackMs;
    String by = !l.getSetBy().isEmpty() ? l.getSetBy() : !v.getStage().isEmpty() ? v.getStage() : UNKNOWN_PRODUCER;
    if (at == l.getSetAtMs() && by.equals(l.getSetBy())) {
      return l;
    }
    return l.toBuilder().setSetAtMs(at).setSetBy(by).build();
  }

  /** Why a verdict cannot be merged (a dead letter's reason), or null when it can. */
  public static String invalidReason(SessionVerdict v) {
    if (v.getSessionId().isBlank()) {
      return "verdict without session_id";
    }
    if (v.hasFeatures() && !v.getFeatures().getSessionId().isEmpty()
        && !v.getFeatures().getSessionId().equals(v.getSessionId())) {
      return "verdict for " + v.getSessionId() + " carries features of " + v.getFeatures().getSessionId();
    }
    for (Label l : v.getLabelsList()) {
      if (l.getKey().isBlank()) {
        return "label without key in verdict for " + v.getSessionId();
      }
    }
    return null;
  }

  /**
   * What one verdict did to a session's labels.
   *
   * @param labels the session's labels afterwards, one stamp per key, sorted by key
   * @param written keys whose stamp this verdict set (new or replaced), in the order first set
   * @param removed keys this verdict's producers no longer claim, taken away
   * @param applied stamps that won their key (a stamp set again counts too)
   * @param outranked stamps that changed nothing: a person's or a newer stamp held the key, or their producer has
   *     said something newer on the session
   */
  public record Outcome(SortedMap<String, Label> labels, Set<String> written, Set<String> removed, int applied,
      int outranked) {
    public Outcome {
      labels = Collections.unmodifiableSortedMap(labels);
      written = Collections.unmodifiableSet(written);
      removed = Collections.unmodifiableSet(removed);
    }

    /** Whether the labels differ from before (a stamp set again with the same value and time changes nothing). */
    public boolean changed(Collection<Label> before) {
      if (!removed.isEmpty()) {
        return true;
      }
      Map<String, Label> old = new HashMap<>();
      before.forEach(l -> old.put(l.getKey(), l));
      for (String key : written) {
        if (!labels.get(key).equals(old.get(key))) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * Merges one verdict into a session's current labels ({@code current}: one stamp per key, defaults filled).
   * {@code fallbackMs} is the time of stamps that carry none in a verdict without {@code emitted_at_ms}.
   */
  public static Outcome apply(Collection<Label> current, SessionVerdict v, long fallbackMs) {
    SortedMap<String, Label> state = new TreeMap<>();
    Map<String, Long> newest = new HashMap<>();
    for (Label l : current) {
      state.put(l.getKey(), l);
      newest.merge(l.getSetBy(), l.getSetAtMs(), Math::max);
    }
    Set<String> written = new LinkedHashSet<>();
    Set<String> removed = new LinkedHashSet<>();
    Map<String, Set<String>> keysBy = new TreeMap<>();
    Map<String, Long> oldestBy = new HashMap<>();
    int applied = 0;
    int outranked = 0;
    for (Label raw : v.getLabelsList()) {
      Label l = effective(raw, v, fallbackMs);
      String by = l.getSetBy();
      if (!isManual(by) && newest.getOrDefault(by, Long.MIN_VALUE) > l.getSetAtMs()) {
        outranked++; // an older opinion of a producer that has said something newer: changes nothing
        continue;
      }
      keysBy.computeIfAbsent(by, k -> new LinkedHashSet<>()).add(l.getKey());
      oldestBy.merge(by, l.getSetAtMs(), Math::min);
      Label stored = state.get(l.getKey());
      if (stored == null || replaces(stored, l)) {
        state.put(l.getKey(), l);
        written.add(l.getKey());
        applied++;
      } else {
        outranked++;
      }
    }
    // a producer's verdict is its whole opinion: what it said before and no longer says goes (a person's stamps are
    // set and cleared one by one)
    for (Map.Entry<String, Set<String>> e : keysBy.entrySet()) {
      String by = e.getKey();
      if (isManual(by)) {
        continue;
      }
      long oldest = oldestBy.get(by);
      state.values().removeIf(l -> {
        boolean retract = l.getSetBy().equals(by) && l.getSetAtMs() <= oldest && !e.getValue().contains(l.getKey());
        if (retract) {
          removed.add(l.getKey());
        }
        return retract;
      });
    }
    return new Outcome(state, written, removed, applied, outranked);
  }
}
