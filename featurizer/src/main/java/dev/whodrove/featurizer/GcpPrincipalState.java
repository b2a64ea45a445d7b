package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.SessionFeatures;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Everything the featurizer holds for one GCP principal: its synthetic sessions, its open gcloud bursts, and the
 * insert ids of its most recent entries (Pub/Sub delivers at least once; a repeated entry is ignored).
 */
public final class GcpPrincipalState {
  /**
   * State format: 2 added the bursts' grouping and sample user agent and the call evidence of sessions and bursts;
   * format 1 is still read (its open sessions and bursts then carry evidence of their later entries only).
   */
  static final int VERSION = 2;
  static final int RECENT_IDS = 256;
  static final int MAX_OPEN_BURSTS = 32;

  /**
   * Settings for sessions and bursts.
   *
   * @param burstUserAgents entries whose user agent matches form bursts (null = every entry)
   * @param grouping what bursts group on besides principal and caller IP
   */
  public record Settings(SyntheticSessionBuilder.Settings sessions, BurstBuilder.Settings bursts,
      Pattern burstUserAgents, UserAgentNormalizer.Grouping grouping) {
    public static Settings defaults() {
      return new Settings(SyntheticSessionBuilder.Settings.defaults(), BurstBuilder.Settings.defaults(),
          Pattern.compile("google-cloud-sdk|gcloud", Pattern.CASE_INSENSITIVE), UserAgentNormalizer.Grouping.CLIENT);
    }

    public Settings withGrouping(UserAgentNormalizer.Grouping g) {
      return new Settings(sessions, bursts, burstUserAgents, g);
    }

    boolean burstCandidate(GcpAuditEntry e) {
      return burstUserAgents == null || burstUserAgents.matcher(e.getUserAgent()).find();
    }
  }

  private final String principal;
  private final Settings settings;
  private SyntheticSessionBuilder sessions;
  private final Map<String, BurstBuilder> bursts = new LinkedHashMap<>();
  private final long[] recentIds = new long[RECENT_IDS];
  private int recentCount;
  private int recentPos;
  /** Not state: the last user agent parsed. */
  private String lastUserAgent;
  private UserAgentNormalizer.Parsed lastParsed;
  private boolean lastBurstCandidate;

  public GcpPrincipalState(String principal, Settings settings) {
    this.principal = principal;
    this.settings = settings;
    this.sessions = new SyntheticSessionBuilder(principal, settings.sessions());
  }

  /** Adds one entry; returns what it closed (a burst split, a session at its size limit). */
  public List<SessionFeatures> add(GcpAuditEntry e, long wallNowMs) {
    List<SessionFeatures> out = new ArrayList<>();
    if (!e.getInsertId().isEmpty() && seen(e.getInsertId())) {
      return out;
    }
    if (!e.getUserAgent().equals(lastUserAgent)) {
      // the calls of one invocation repeat its user agent: parse it once
      lastUserAgent = e.getUserAgent();
      lastParsed = UserAgentNormalizer.parse(lastUserAgent);
      lastBurstCandidate = settings.burstCandidate(e);
    }
    UserAgentNormalizer.Parsed ua = lastParsed;
    out.addAll(sessions.add(e, ua, wallNowMs));
    if (lastBurstCandidate) {
      String key = BurstBuilder.keyOf(e, ua, settings.grouping());
      BurstBuilder b = bursts.get(key);
      if (b != null && b.splitsAt(e, settings.bursts())) {
        b.finish(settings.bursts(), wallNowMs).ifPresent(out::add);
        bursts.remove(key);
        b = null;
      }
      if (b == null) {
        if (bursts.size() >= MAX_OPEN_BURSTS) {
          // too many concurrent (ip, ua) pairs: close the least recently used one
          Iterator<BurstBuilder> oldest = bursts.values().iterator();
          oldest.next().finish(settings.bursts(), wallNowMs).ifPresent(out::add);
          oldest.remove();
        }
        b = BurstBuilder.of(e, ua, settings.grouping());
      } else {
        bursts.remove(key); // re-insert: the map is kept in least-recently-used order
      }
      bursts.put(key, b);
      b.add(e, ua, wallNowMs);
    }
    return out;
  }

  /**
   * Ids of emitted sessions the last {@link #add} merged into another one (see
   * {@link SyntheticSessionBuilder#takeAbsorbedIds()}); each is returned once.
   */
  public List<String> takeAbsorbedSessionIds() {
    return sessions.takeAbsorbedIds();
  }

  private boolean seen(String insertId) {
    long h = 0xcbf29ce484222325L; // FNV-1a, 64 bit
    for (int i = 0; i < insertId.length(); i++) {
      h = (h ^ insertId.charAt(i)) * 0x100000001b3L;
    }
    for (int i = 0; i < recentCount; i++) {
      if (recentIds[i] == h) {
        return true;
      }
    }
    recentIds[recentPos] = h;
    recentPos = (recentPos + 1) % RECENT_IDS;
    recentCount = Math.min(RECENT_IDS, recentCount + 1);
    return false;
  }

  /** Closes idle sessions and bursts (stream time and wall clock). */
  public List<SessionFeatures> closeIdle(long streamTimeMs, long wallNowMs) {
    List<SessionFeatures> out = new ArrayList<>(sessions.closeIdle(streamTimeMs, wallNowMs));
    Iterator<BurstBuilder> it = bursts.values().iterator();
    while (it.hasNext()) {
      BurstBuilder b = it.next();
      if (b.idle(streamTimeMs, wallNowMs, settings.bursts())) {
        b.finish(settings.bursts(), wallNowMs).ifPresent(out::add);
        it.remove();
      }
    }
    return out;
  }

  /** Closes everything (end of input). */
  public List<SessionFeatures> closeAll(long nowMs) {
    List<SessionFeatures> out = new ArrayList<>(sessions.closeAll(nowMs));
    for (BurstBuilder b : bursts.values()) {
      b.finish(settings.bursts(), nowMs).ifPresent(out::add);
    }
    bursts.clear();
    return out;
  }

  /** Nothing left worth keeping. */
  public boolean isEmpty() {
    return sessions.isEmpty() && bursts.isEmpty();
  }

  /**
   * Whether a sweep at these times may change the encoded state; reads only the header, so idle principals cost a
   * few bytes, not a decode.
   */
  public static boolean dueAt(byte[] bytes, long streamTimeMs, long wallNowMs) {
    StateReader r = new StateReader(bytes);
    long version = r.varint();
    if (version < 1 || version > VERSION) {
      return true;
    }
    return streamTimeMs >= r.zigzag() || wallNowMs >= r.zigzag();
  }

  /** The same test on the live state. */
  public boolean dueAt(long streamTimeMs, long wallNowMs) {
    return streamTimeMs >= nextStreamDueMs() || wallNowMs >= nextWallDueMs();
  }

  private long nextStreamDueMs() {
    long due = sessions.nextStreamDueMs();
    for (BurstBuilder b : bursts.values()) {
      due = Math.min(due, b.lastMs() + settings.bursts().gapMs() + 1);
    }
    return due;
  }

  private long nextWallDueMs() {
    long due = sessions.nextWallDueMs();
    for (BurstBuilder b : bursts.values()) {
      due = Math.min(due, b.lastWallMs() + settings.bursts().gapMs() + settings.bursts().wallGraceMs() + 1);
    }
    return due;
  }

  public byte[] toBytes() {
    StateWriter w = new StateWriter();
    w.varint(VERSION).zigzag(nextStreamDueMs()).zigzag(nextWallDueMs());
    sessions.writeTo(w);
    w.varint(bursts.size());
    bursts.values().forEach(b -> b.writeTo(w));
    w.varint(recentCount).varint(recentPos);
    for (int i = 0; i < recentCount; i++) {
      w.zigzag(recentIds[i]);
    }
    return w.toByteArray();
  }

  public static GcpPrincipalState fromBytes(String principal, byte[] bytes, Settings settings) {
    StateReader r = new StateReader(bytes);
    long version = r.varint();
    if (version < 1 || version > VERSION) {
      throw new IllegalStateException("unknown gcp principal state version " + version);
    }
    r.zigzag(); // sweep header
    r.zigzag();
    GcpPrincipalState s = new GcpPrincipalState(principal, settings);
    s.sessions = SyntheticSessionBuilder.readFrom(r, principal, settings.sessions(), (int) version);
    int n = r.varintInt();
    for (int i = 0; i < n; i++) {
      BurstBuilder b = BurstBuilder.readFrom(r, (int) version);
      s.bursts.put(b.key(), b);
    }
    s.recentCount = r.varintInt();
    s.recentPos = r.varintInt();
    for (int i = 0; i < s.recentCount; i++) {
      s.recentIds[i] = r.zigzag();
    }
    return s;
  }
}
