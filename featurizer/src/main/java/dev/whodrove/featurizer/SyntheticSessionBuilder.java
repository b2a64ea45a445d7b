package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.GcpSessionFeatures;
import dev.whodrove.schemas.v1.SessionFeatures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Synthetic sessions of one GCP principal as the study's {@code whodrove-gcp} CLI builds them (docs/architecture.md
 * §5.2): per-minute buckets glued while the
 * bucket-start gap is at most idle + 60 s; id {@code gcp-} + sha256(principal|first bucket)[:24].
 *
 * <p>Streaming: a session is emitted once it is closed (no bucket can glue any more by stream time, or nothing
 * arrived for idle + grace by wall clock). Emitted sessions are remembered for a while: a late entry that lands in or
 * next to one updates it and it is emitted again (higher revision); a late entry that bridges two sessions merges
 * them into the earlier one, whose id survives (the absorbed ids are listed in {@code merged_session_ids}, and
 * {@link #takeAbsorbedIds()} names those already emitted, so their records can be deleted).
 * A session of more than {@code maxBuckets} minute buckets is sealed and emitted, so state stays bounded.
 */
public final class SyntheticSessionBuilder {
  public static final String SUBSTRATE = "gcp-cloud-audit";
  static final int MAX_USER_AGENTS = 16;
  static final int MAX_MERGED_IDS = 32;

  /** Settings shared by every principal. */
  public record Settings(long idleMs, long wallGraceMs, int maxBuckets, long retentionMs, int keepClosed) {
    public static Settings defaults() {
      return new Settings(600_000, 60_000, 180, 24 * 3_600_000L, 8);
    }

    long glueMs() {
      return idleMs + 60_000;
    }
  }

  static final class Session {
    final TreeMap<Long, MinuteBucketAccumulator> buckets = new TreeMap<>();
    final Set<String> userAgents = new LinkedHashSet<>();
    final Set<String> mergedIds = new LinkedHashSet<>();
    CallEvidenceAccumulator evidence = new CallEvidenceAccumulator();
    String id = "";
    int revision;
    boolean dirty;
    boolean sealed;
    long lastWallMs;

    long first() {
      return buckets.firstKey();
    }

    long last() {
      return buckets.lastKey();
    }

    boolean emitted() {
      return revision > 0;
    }
  }

  private final String principal;
  private final Settings settings;
  private final List<Session> sessions = new ArrayList<>();
  /** Ids of emitted sessions absorbed by the last {@link #add}; not state (taken right after the add). */
  private final List<String> absorbedIds = new ArrayList<>();

  public SyntheticSessionBuilder(String principal, Settings settings) {
    this.principal = principal;
    this.settings = settings;
  }

  /** Adds one entry; returns sessions emitted because a session reached its size limit. */
  public List<SessionFeatures> add(GcpAuditEntry e, long wallNowMs) {
    return add(e, UserAgentNormalizer.parse(e.getUserAgent()), wallNowMs);
  }

  /** The same, with the entry's user agent already parsed. */
  public List<SessionFeatures> add(GcpAuditEntry e, UserAgentNormalizer.Parsed ua, long wallNowMs) {
    absorbedIds.clear();
    long minute = MinuteBucketAccumulator.minuteOf(e.getTimestampMs());
    long glue = settings.glueMs();
    List<Session> touching = new ArrayList<>();
    for (Session s : sessions) {
      if (!s.sealed && minute >= s.first() - glue && minute <= s.last() + glue) {
        touching.add(s);
      }
    }
    List<SessionFeatures> out = new ArrayList<>();
    Session target;
    if (touching.isEmpty()) {
      target = new Session();
      sessions.add(target);
    } else {
      touching.sort(Comparator.comparingLong(Session::first));
      target = touching.get(0);
      for (Session other : touching.subList(1, touching.size())) {
        absorb(target, other);
      }
    }
    target.buckets.computeIfAbsent(minute, MinuteBucketAccumulator::new).add(e);
    target.evidence.add(e, ua);
    String client = ua.client();
    if (!client.isEmpty() && target.userAgents.size() < MAX_USER_AGENTS) {
      target.userAgents.add(client); // clients, not invocations: a gcloud user agent differs per invocation
    }
    target.dirty = true;
    target.lastWallMs = wallNowMs;
    if (target.buckets.size() >= settings.maxBuckets() && minute == target.last()) {
      target.sealed = true;
      out.add(emit(target, wallNowMs));
    }
    sessions.sort(Comparator.comparingLong(Session::first));
    return out;
  }

  private void absorb(Session into, Session other) {
    other.buckets.forEach((m, b) -> {
      MinuteBucketAccumulator existing = into.buckets.get(m);
      if (existing == null) {
        into.buckets.put(m, b);
      } else {
        existing.merge(b);
      }
    });
    for (String ua : other.userAgents) {
      if (into.userAgents.size() < MAX_USER_AGENTS) {
        into.userAgents.add(ua);
      }
    }
    if (other.emitted()) {
      addMerged(into, other.id);
      absorbedIds.add(other.id);
    }
    other.mergedIds.forEach(id -> addMerged(into, id));
    into.evidence.merge(other.evidence);
    into.lastWallMs = Math.max(into.lastWallMs, other.lastWallMs);
    into.dirty = true;
    sessions.remove(other);
  }

  /**
   * The ids of emitted sessions the last {@link #add} merged into another session, once: those sessions no longer
   * exist, so their records on {@code session.features} are to be deleted.
   */
  public List<String> takeAbsorbedIds() {
    List<String> ids = List.copyOf(absorbedIds);
    absorbedIds.clear();
    return ids;
  }

  private static void addMerged(Session into, String id) {
    if (!id.equals(into.id) && into.mergedIds.size() < MAX_MERGED_IDS) {
      into.mergedIds.add(id);
    }
  }

  /**
   * Emits every new or changed session that is closed: stream time is past its last bucket by more than idle + 60 s,
   * or no entry reached it for idle + grace by wall clock. Then forgets old emitted sessions.
   */
  public List<SessionFeatures> closeIdle(long streamTimeMs, long wallNowMs) {
    List<SessionFeatures> out = new ArrayList<>();
    for (Session s : sessions) {
      if (!s.dirty) {
        continue;
      }
      boolean byStream = MinuteBucketAccumulator.minuteOf(streamTimeMs) - s.last() > settings.glueMs();
      boolean byWall = wallNowMs - s.lastWallMs > settings.idleMs() + settings.wallGraceMs();
      if (byStream || byWall) {
        out.add(emit(s, wallNowMs));
      }
    }
    purge(streamTimeMs);
    return out;
  }

  /** Emits every new or changed session (end of input, offline). */
  public List<SessionFeatures> closeAll(long nowMs) {
    List<SessionFeatures> out = new ArrayList<>();
    for (Session s : sessions) {
      if (s.dirty) {
        out.add(emit(s, nowMs));
      }
    }
    return out;
  }

  private void purge(long streamTimeMs) {
    sessions.removeIf(s -> !s.dirty && s.last() + settings.retentionMs() < streamTimeMs);
    long closed = sessions.stream().filter(s -> !s.dirty).count();
    while (closed > settings.keepClosed()) {
      sessions.stream().filter(s -> !s.dirty).findFirst().ifPresent(sessions::remove);
      closed--;
    }
  }

  /** Earliest stream time at which {@link #closeIdle} may change anything (Long.MAX_VALUE if never). */
  long nextStreamDueMs() {
    long due = Long.MAX_VALUE;
    for (Session s : sessions) {
      due = Math.min(due, s.dirty ? s.last() + settings.glueMs() + 1 : s.last() + settings.retentionMs() + 1);
    }
    return due;
  }

  /** Earliest wall time at which {@link #closeIdle} may close a session (Long.MAX_VALUE if never). */
  long nextWallDueMs() {
    long due = Long.MAX_VALUE;
    for (Session s : sessions) {
      if (s.dirty) {
        due = Math.min(due, s.lastWallMs + settings.idleMs() + settings.wallGraceMs() + 1);
      }
    }
    return due;
  }

  public boolean isEmpty() {
    return sessions.isEmpty();
  }

  /** Sessions held (open or remembered). */
  public int sessionCount() {
    return sessions.size();
  }

  private SessionFeatures emit(Session s, long nowMs) {
    if (!s.emitted()) {
      s.id = Ids.gcpSessionId(principal, s.first());
      s.mergedIds.remove(s.id);
    }
    s.revision++;
    s.dirty = false;
    GcpSessionFeatures.Builder g = GcpSessionFeatures.newBuilder().setPrincipal(principal)
        .setIdleThresholdS(settings.idleMs() / 1000);
    long[] starts = new long[s.buckets.size()];
    int i = 0;
    for (MinuteBucketAccumulator b : s.buckets.values()) {
      starts[i++] = b.minuteMs;
      g.setCallCount(g.getCallCount() + b.calls)
          .setMaxDistinctServices(Math.max(g.getMaxDistinctServices(), b.distinctServices()))
          .setMaxDistinctMethods(Math.max(g.getMaxDistinctMethods(), b.distinctMethods()))
          .setImpersonationCalls(g.getImpersonationCalls() + b.impersonation)
          .setDeniedCalls(g.getDeniedCalls() + b.denied)
          .setMaxImpersonationDepth(Math.max(g.getMaxImpersonationDepth(), b.maxDepth));
      if (g.getSampleUserAgent().isEmpty()) {
        g.setSampleUserAgent(b.sampleUa);
      }
      if (g.getSampleCallerIp().isEmpty()) {
        g.setSampleCallerIp(b.sampleIp);
      }
      g.addBuckets(b.toProto());
    }
    g.setMedianInterBucketGapS(medianGapMs(starts) / 1000.0).addAllUserAgents(s.userAgents)
        .addAllMergedSessionIds(s.mergedIds).setEvidence(s.evidence.toProto());
    return SessionFeatures.newBuilder().setSessionId(s.id).setSubstrate(SUBSTRATE).setUser(principal)
        .setStartedMs(s.first()).setEndedMs(s.last() + 60_000).setRevision(s.revision).setComputedAtMs(nowMs)
        .setGcp(g).build();
  }

  /** Median of consecutive bucket-start gaps (mean of the middle two for an even count); 0 for one bucket. */
  static double medianGapMs(long[] starts) {
    if (starts.length < 2) {
      return 0;
    }
    long[] gaps = new long[starts.length - 1];
    for (int i = 1; i < starts.length; i++) {
      gaps[i - 1] = starts[i] - starts[i - 1];
    }
    Arrays.sort(gaps);
    int n = gaps.length;
    return n % 2 == 1 ? gaps[n / 2] : (gaps[n / 2 - 1] + gaps[n / 2]) / 2.0;
  }

  void writeTo(StateWriter w) {
    w.varint(sessions.size());
    for (Session s : sessions) {
      w.str(s.id).varint(s.revision).bool(s.dirty).bool(s.sealed).zigzag(s.lastWallMs);
      w.varint(s.userAgents.size());
      s.userAgents.forEach(w::name);
      w.varint(s.mergedIds.size());
      s.mergedIds.forEach(w::str);
      w.varint(s.buckets.size());
      s.buckets.values().forEach(b -> b.writeTo(w));
      s.evidence.writeTo(w);
    }
  }

  /** Reads sessions of state format {@code format} (1 had no call evidence). */
  static SyntheticSessionBuilder readFrom(StateReader r, String principal, Settings settings, int format) {
    SyntheticSessionBuilder b = new SyntheticSessionBuilder(principal, settings);
    int n = r.varintInt();
    for (int i = 0; i < n; i++) {
      Session s = new Session();
      s.id = r.str();
      s.revision = r.varintInt();
      s.dirty = r.bool();
      s.sealed = r.bool();
      s.lastWallMs = r.zigzag();
      int uas = r.varintInt();
      for (int j = 0; j < uas; j++) {
        s.userAgents.add(r.name());
      }
      int merged = r.varintInt();
      for (int j = 0; j < merged; j++) {
        s.mergedIds.add(r.str());
      }
      int buckets = r.varintInt();
      for (int j = 0; j < buckets; j++) {
        MinuteBucketAccumulator m = MinuteBucketAccumulator.readFrom(r);
        s.buckets.put(m.minuteMs, m);
      }
      if (format >= 2) {
        s.evidence = CallEvidenceAccumulator.readFrom(r);
      }
      b.sessions.add(s);
    }
    return b;
  }
}
