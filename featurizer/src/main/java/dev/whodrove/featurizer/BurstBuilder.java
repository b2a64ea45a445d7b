package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.GcpBurstFeatures;
import dev.whodrove.schemas.v1.SessionFeatures;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One open gcloud burst (notes/12): consecutive entries of one (principal, caller IP, client) while the gap stays at
 * most {@code gapMs}. The client is the user agent as {@link UserAgentNormalizer.Grouping} reduces it: normalized by
 * default, so the invocations of one gcloud installation form one burst; as logged under the {@code literal} option.
 * Scored (emitted) only with at least {@code minEntries} entries; the cadence block has gap features scaled by 1/8 and
 * events/s by 8, bytes dropped.
 */
public final class BurstBuilder {
  public static final String SUBSTRATE = "gcp-gcloud-burst";
  /** notes/12 AUDIT_GAP_SCALE: audit-log gaps are about 8x terminal print gaps. */
  public static final double GAP_SCALE = 0.125;
  static final int MAX_METHODS = 256;
  static final int MAX_SERVICES = 64;
  static final int METHOD_EXAMPLES = 10;

  /** Settings shared by every burst. */
  public record Settings(long gapMs, int minEntries, long wallGraceMs) {
    public static Settings defaults() {
      return new Settings(60_000, 30, 30_000);
    }
  }

  private final String principal;
  private final String callerIp;
  /** The grouping user agent (normalized, or literal under that option). */
  private final String userAgent;
  private final UserAgentNormalizer.Grouping grouping;
  /** The first entry's user agent as logged. */
  private String sampleUserAgent = "";
  private long firstMs;
  private long lastMs;
  private long count;
  private long lastWallMs;
  private GapStats gaps = new GapStats();
  private final Map<String, Long> methods = new LinkedHashMap<>();
  private final Set<String> services = new LinkedHashSet<>();
  private long untrackedMethods;
  private CallEvidenceAccumulator evidence = new CallEvidenceAccumulator();

  public BurstBuilder(String principal, String callerIp, String userAgent, UserAgentNormalizer.Grouping grouping) {
    this.principal = principal;
    this.callerIp = callerIp;
    this.userAgent = userAgent;
    this.grouping = grouping;
  }

  /** A new burst for an entry (its principal, caller IP and grouping user agent). */
  static BurstBuilder of(GcpAuditEntry e, UserAgentNormalizer.Parsed ua, UserAgentNormalizer.Grouping grouping) {
    return new BurstBuilder(e.getPrincipal(), e.getCallerIp(), grouping.keyOf(e.getUserAgent(), ua), grouping);
  }

  /** The grouping key of an entry. */
  public static String keyOf(GcpAuditEntry e, UserAgentNormalizer.Parsed ua, UserAgentNormalizer.Grouping grouping) {
    return e.getPrincipal() + "|" + e.getCallerIp() + "|" + grouping.keyOf(e.getUserAgent(), ua);
  }

  public String key() {
    return principal + "|" + callerIp + "|" + userAgent;
  }

  public long count() {
    return count;
  }

  public long lastMs() {
    return lastMs;
  }

  public long lastWallMs() {
    return lastWallMs;
  }

  /** Whether the entry is too far after the burst to belong to it. */
  public boolean splitsAt(GcpAuditEntry e, Settings s) {
    return count > 0 && e.getTimestampMs() - lastMs > s.gapMs();
  }

  public void add(GcpAuditEntry e, UserAgentNormalizer.Parsed ua, long wallNowMs) {
    evidence.add(e, ua);
    if (count == 0) {
      firstMs = e.getTimestampMs();
      sampleUserAgent = e.getUserAgent();
    }
    count++;
    lastMs = Math.max(lastMs, e.getTimestampMs());
    lastWallMs = wallNowMs;
    gaps.add(e.getTimestampMs(), 0);
    Long c = methods.get(e.getMethodName());
    if (c != null) {
      methods.put(e.getMethodName(), c + 1);
    } else if (methods.size() < MAX_METHODS) {
      methods.put(e.getMethodName(), 1L);
    } else {
      untrackedMethods++;
    }
    if (services.size() < MAX_SERVICES) {
      services.add(e.getServiceName());
    }
  }

  /** Whether the burst is over: stream time past the gap, or no entry for gap + grace by wall clock. */
  public boolean idle(long streamTimeMs, long wallNowMs, Settings s) {
    return streamTimeMs - lastMs > s.gapMs() || wallNowMs - lastWallMs > s.gapMs() + s.wallGraceMs();
  }

  /** The burst's features when it has enough entries to be scored. */
  public Optional<SessionFeatures> finish(Settings s, long nowMs) {
    if (count < s.minEntries()) {
      return Optional.empty();
    }
    String dominant = "";
    long top = 0;
    for (var en : methods.entrySet()) {
      if (en.getValue() > top) {
        top = en.getValue();
        dominant = en.getKey();
      }
    }
    List<String> examples = new ArrayList<>(methods.keySet()).subList(0, Math.min(METHOD_EXAMPLES, methods.size()));
    GcpBurstFeatures burst = GcpBurstFeatures.newBuilder().setPrincipal(principal).setCallerIp(callerIp)
        .setUserAgent(userAgent).setEntryCount(count).setDominantMethod(dominant)
        .setDominantMethodShare((double) top / count).setDistinctServices(services.size())
        .setDistinctMethods((int) (methods.size() + untrackedMethods)).addAllMethodExamples(examples)
        .setScaleFactor(GAP_SCALE).setGrouping(grouping.configValue()).setSampleUserAgent(sampleUserAgent)
        .setEvidence(evidence.toProto()).build();
    return Optional.of(SessionFeatures.newBuilder().setSessionId(Ids.burstId(principal, callerIp, userAgent, firstMs))
        .setSubstrate(SUBSTRATE).setUser(principal).setStartedMs(firstMs).setEndedMs(lastMs).setRevision(1)
        .setComputedAtMs(nowMs).setCadence(gaps.features(GAP_SCALE, true)).setBurst(burst).build());
  }

  void writeTo(StateWriter w) {
    w.name(principal).name(callerIp).name(userAgent).varint(grouping.ordinal()).str(sampleUserAgent).zigzag(firstMs).zigzag(lastMs).varint(count).zigzag(lastWallMs)
        .varint(untrackedMethods);
    gaps.writeTo(w);
    w.varint(methods.size());
    methods.forEach((k, v) -> w.name(k).varint(v));
    w.varint(services.size());
    services.forEach(w::name);
    evidence.writeTo(w);
  }

  /** Reads a burst; state format 1 had neither grouping nor sample (its bursts grouped literally). */
  static BurstBuilder readFrom(StateReader r, int format) {
    String principal = r.name();
    String ip = r.name();
    String ua = r.name();
    BurstBuilder b;
    if (format >= 2) {
      b = new BurstBuilder(principal, ip, ua, UserAgentNormalizer.Grouping.values()[r.varintInt()]);
      b.sampleUserAgent = r.str();
    } else {
      b = new BurstBuilder(principal, ip, ua, UserAgentNormalizer.Grouping.LITERAL);
      b.sampleUserAgent = ua;
    }
    b.firstMs = r.zigzag();
    b.lastMs = r.zigzag();
    b.count = r.varint();
    b.lastWallMs = r.zigzag();
    b.untrackedMethods = r.varint();
    b.gaps = GapStats.readFrom(r);
    int m = r.varintInt();
    for (int i = 0; i < m; i++) {
      b.methods.put(r.name(), r.varint());
    }
    int s = r.varintInt();
    for (int i = 0; i < s; i++) {
      b.services.add(r.name());
    }
    if (format >= 2) {
      b.evidence = CallEvidenceAccumulator.readFrom(r);
    }
    return b;
  }
}
