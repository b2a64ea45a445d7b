package dev.whodrove.correlator;

import dev.whodrove.schemas.v1.CorrelatedSession;
import dev.whodrove.schemas.v1.Correlation;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The correlator as a function of one identity's state and one arriving session: no clock, no Kafka. The Streams
 * processor calls it with the state from its store; {@code whodrove correlate} calls it with states in a map. Either
 * side may come first: a session is remembered, and each arrival pairs against everything remembered of the identity.
 *
 * <p>For every session whose set of correlations the arrival may change (the arriving one, its peers before and after)
 * it returns one verdict listing all of that session's correlations, best first, with labels for the best; the
 * correlations themselves (upserts); and the ids of pairs that no longer hold (a GCP session merged into another, a
 * corrected interval), also listed, marked withdrawn, in both sessions' verdicts. The same verdicts in the same order give the same outputs, so a replay re-publishes the same
 * ids and labels.
 */
public final class CorrelationEngine {
  public static final String LABEL_ID = "correlation.cross-substrate";
  public static final String LABEL_TIER = "correlation.tier";
  public static final String LABEL_PEER = "correlation.peer";
  /** The best correlation's joint score, under the {@code confidence.<key with dots as dashes>} convention. */
  public static final String LABEL_SCORE = "confidence.correlation-cross-substrate";

  /** What one arrival changed. */
  public record Outputs(List<Correlation> upserts, List<String> removed, List<SessionVerdict> verdicts,
      boolean stale) {
    static final Outputs NONE = new Outputs(List.of(), List.of(), List.of(), false);
    static final Outputs STALE = new Outputs(List.of(), List.of(), List.of(), true);
  }

  private final CorrelatorConfig config;
  private final long toleranceMs;
  private final String stage;

  public CorrelationEngine(CorrelatorConfig config) {
    this.config = config;
    this.toleranceMs = config.tolerance().toMillis();
    this.stage = config.stage();
  }

  /**
   * Takes {@code incoming} (with its identity set) into {@code state} and returns what to publish.
   *
   * @param horizonMs sessions that ended before this are forgotten first (retention); 0 keeps everything
   */
  public Outputs apply(IdentityState state, SessionSide incoming, long horizonMs) {
    if (horizonMs > 0) {
      state.expire(horizonMs);
    }
    IdentityState.Entry existing = state.find(incoming.sessionId());
    if (existing != null && existing.side.emittedAtMs() > incoming.emittedAtMs()) {
      return Outputs.STALE; // an older verdict of a session delivered after a newer one
    }
    Set<String> affected = new LinkedHashSet<>();
    affected.add(incoming.sessionId());
    Map<String, Correlation> withdrawn = new TreeMap<>();
    Map<String, List<Correlation>> withdrawnOf = new LinkedHashMap<>();
    // a synthetic session that absorbed others: their pairs no longer hold, their peers need new verdicts
    for (String merged : incoming.mergedSessionIds()) {
      IdentityState.Entry gone = merged.equals(incoming.sessionId()) ? null : state.remove(merged);
      if (gone != null) {
        for (String peer : gone.peers) {
          affected.add(peer);
          withdraw(gone.side, peer, incoming, withdrawn, withdrawnOf);
        }
      }
    }
    if (existing == null) {
      state.entries.add(new IdentityState.Entry(incoming, Set.of()));
    } else {
      existing.side = incoming;
      affected.addAll(existing.peers);
    }
    state.sidesSeen |= incoming.kind() == SessionSide.Kind.TELEPORT ? IdentityState.SEEN_TELEPORT
        : IdentityState.SEEN_GCP;
    state.cap(config.maxSessionsPerIdentity(), incoming.sessionId());
    for (Correlation c : pairsOf(state, state.find(incoming.sessionId()))) {
      affected.add(peerOf(c, incoming.sessionId()));
    }

    Map<String, Correlation> upserts = new LinkedHashMap<>();
    List<SessionVerdict> verdicts = new ArrayList<>();
    for (String sid : affected) {
      IdentityState.Entry e = state.find(sid);
      if (e == null) {
        continue;
      }
      List<Correlation> pairs = pairsOf(state, e);
      Set<String> peers = new TreeSet<>();
      for (Correlation c : pairs) {
        peers.add(peerOf(c, sid));
        upserts.putIfAbsent(c.getCorrelationId(), c);
      }
      for (String old : e.peers) {
        // a peer still remembered that no longer overlaps is withdrawn; one forgotten (retention) is not
        if (!peers.contains(old) && state.find(old) != null) {
          withdraw(e.side, old, incoming, withdrawn, withdrawnOf);
        }
      }
      List<Correlation> gone = withdrawnOf.getOrDefault(sid, List.of()).stream()
          .filter(w -> !upserts.containsKey(w.getCorrelationId())).toList();
      if (!pairs.isEmpty() || !gone.isEmpty()) {
        verdicts.add(verdict(e.side, pairs, gone));
      }
      e.peers = peers;
      if (!pairs.isEmpty()) {
        state.everPaired = true;
      }
    }
    withdrawn.keySet().removeAll(upserts.keySet());
    if (horizonMs > 0 && incoming.endMs() < horizonMs) {
      state.remove(incoming.sessionId()); // arrived after its retention: paired against what is left, not kept
    }
    if (upserts.isEmpty() && withdrawn.isEmpty() && verdicts.isEmpty()) {
      return Outputs.NONE;
    }
    return new Outputs(List.copyOf(upserts.values()), List.copyOf(withdrawn.keySet()), verdicts, false);
  }

  /** Records that the pair ({@code side}, {@code peer}) no longer holds, for both sessions' verdicts. */
  private void withdraw(SessionSide side, String peer, SessionSide cause, Map<String, Correlation> withdrawn,
      Map<String, List<Correlation>> withdrawnOf) {
    boolean teleport = side.kind() == SessionSide.Kind.TELEPORT;
    String t = teleport ? side.sessionId() : peer;
    String g = teleport ? peer : side.sessionId();
    Correlation w = Correlation.newBuilder().setCorrelationId(CorrelationIds.of(t, g)).setIdentity(side.identity())
        .setTeleport(CorrelatedSession.newBuilder().setSessionId(t))
        .setGcp(CorrelatedSession.newBuilder().setSessionId(g))
        .setStage(stage).setComputedAtMs(cause.emittedAtMs()).setWithdrawn(true).build();
    if (withdrawn.putIfAbsent(w.getCorrelationId(), w) == null) {
      withdrawnOf.computeIfAbsent(t, k -> new ArrayList<>()).add(w);
      withdrawnOf.computeIfAbsent(g, k -> new ArrayList<>()).add(w);
    }
  }

  /** Every correlation of {@code e} with the other side's sessions, best first. */
  List<Correlation> pairsOf(IdentityState state, IdentityState.Entry e) {
    List<Correlation> out = new ArrayList<>();
    if (e == null) {
      return out;
    }
    for (IdentityState.Entry other : state.entries) {
      if (other.side.kind() == e.side.kind()) {
        continue;
      }
      SessionSide t = e.side.kind() == SessionSide.Kind.TELEPORT ? e.side : other.side;
      SessionSide g = e.side.kind() == SessionSide.Kind.TELEPORT ? other.side : e.side;
      Pairing.correlate(t, g, toleranceMs, stage).ifPresent(out::add);
    }
    out.sort(BEST_FIRST);
    return out;
  }

  /** Tier, then score, then id: a deterministic order, whatever order the sessions arrived in. */
  static final Comparator<Correlation> BEST_FIRST = Comparator
      .comparingInt((Correlation c) -> -JointScore.rank(c.getTier()))
      .thenComparingDouble(c -> -c.getJointScore())
      .thenComparing(Correlation::getCorrelationId);

  private static String peerOf(Correlation c, String sessionId) {
    return c.getTeleport().getSessionId().equals(sessionId) ? c.getGcp().getSessionId()
        : c.getTeleport().getSessionId();
  }

  /**
   * The correlator's verdict for one session: every correlation it has, and labels naming the best. Stamped at the
   * newest emission time among the session and its peers, so a later verdict never loses to an earlier one in the
   * sink and a replay stamps the same time.
   */
  private SessionVerdict verdict(SessionSide s, List<Correlation> pairs, List<Correlation> withdrawn) {
    long setAt = s.emittedAtMs();
    for (Correlation c : pairs) {
      setAt = Math.max(setAt, c.getComputedAtMs());
    }
    for (Correlation c : withdrawn) {
      setAt = Math.max(setAt, c.getComputedAtMs());
    }
    SessionVerdict.Builder v = SessionVerdict.newBuilder().setSessionId(s.sessionId()).setSubstrate(s.substrate())
        .setStage(stage).setEmittedAtMs(setAt).addAllCorrelations(pairs).addAllCorrelations(withdrawn);
    if (!pairs.isEmpty()) {
      Correlation best = pairs.get(0);
      v.addLabels(label(LABEL_ID, best.getCorrelationId(), setAt))
          .addLabels(label(LABEL_TIER, best.getTier(), setAt))
          .addLabels(label(LABEL_PEER, peerOf(best, s.sessionId()), setAt))
          .addLabels(label(LABEL_SCORE, decimal(best.getJointScore()), setAt));
    }
    return v.build();
  }

  private Label label(String key, String value, long at) {
    return Label.newBuilder().setKey(key).setValue(value).setSetBy(stage).setSetAtMs(at).build();
  }

  /** Canonical decimal with at most three decimals, as every numeric label. */
  static String decimal(double d) {
    String s = String.format(Locale.ROOT, "%.3f", d);
    s = s.replaceAll("0+$", "");
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }
}
