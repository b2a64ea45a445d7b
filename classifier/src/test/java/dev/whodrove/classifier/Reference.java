package dev.whodrove.classifier;

import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.schemas.v1.CadenceSegment;
import dev.whodrove.schemas.v1.GcpBurstFeatures;
import dev.whodrove.schemas.v1.GcpSessionFeatures;
import dev.whodrove.schemas.v1.MinuteBucket;
import dev.whodrove.schemas.v1.NameCount;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportFeatures;

/**
 * Feature records at the notes/10 reference statistics (the table's duration, events, bytes, e/s, gap percentiles and
 * pause counts; burst_frac, think_frac and local_gap_std derived from them where the table is silent) and small
 * builders for the other test cases.
 */
final class Reference {
  static final long T0 = 1_778_500_000_000L;

  private Reference() {}

  static CadenceFeatures cadence(double dur, long n, long bytes, double eps, double p50, double p90, double p99,
      double max, long g1, long g5, long g30, double burst, double lstd) {
    return CadenceFeatures.newBuilder().setDurationS(dur).setNEvents(n).setTotalBytes(bytes).setEventsPerSec(eps)
        .setGapP50S(p50).setGapP90S(p90).setGapP99S(p99).setGapMaxS(max).setPausesGt1S(g1).setPausesGt5S(g5)
        .setPausesGt30S(g30).setBurstFrac(burst).setThinkFrac((double) g5 / (n - 1)).setLocalGapStd(lstd)
        .setGapScale(1.0).build();
  }

  static final CadenceFeatures KIMI = cadence(738, 214, 55_000, 214 / 738.0, 0.06, 11.2, 34.3, 127, 43, 37, 4, 0.55, 6.0);
  static final CadenceFeatures GEMINI = cadence(296, 219, 36_000, 219 / 296.0, 0.0, 0.13, 29.7, 34.4, 18, 15, 2, 0.9, 3.0);
  static final CadenceFeatures OPUS = cadence(268, 347, 43_000, 347 / 268.0, 0.0, 4.7, 10.1, 15.8, 39, 34, 0, 0.8, 2.5);
  static final CadenceFeatures GPT = cadence(185, 277, 58_000, 277 / 185.0, 0.0, 0.07, 18.4, 42.8, 16, 12, 1, 0.92, 2.0);
  static final CadenceFeatures HUMAN = cadence(782, 619, 9_000, 619 / 782.0, 0.18, 1.6, 14.0, 45, 80, 30, 1, 0.45, 1.8);
  /** Scores under 0.5 for every profile of both tables. */
  static final CadenceFeatures AMBIGUOUS = cadence(286, 100, 6_000, 0.35, 0.02, 0.5, 8, 25, 20, 5, 0, 0.7, 0.4);
  static final CadenceFeatures SHORT = CadenceFeatures.newBuilder().setInsufficientData(true).setNEvents(12).build();

  static TeleportFeatures.Builder ssh() {
    return TeleportFeatures.newBuilder().setKind("ssh").setLogin("root").setCluster("prod").setServerHostname("db-1")
        .setPtyPresent(true).setInteractive(true).setRecordingPresent(true).setPrintChunks(300).setPrintBytes(40_000)
        .setMedianChunkGapMs(5).setRecordingUri("s3://recordings/sessions/x.tar");
  }

  static SessionFeatures teleport(String id, TeleportFeatures.Builder t, CadenceFeatures c) {
    SessionFeatures.Builder b = SessionFeatures.newBuilder().setSessionId(id).setSubstrate("teleport-recording")
        .setUser("alice").setStartedMs(T0).setEndedMs(T0 + 600_000).setRevision(1).setComputedAtMs(T0 + 601_000)
        .setTeleport(t);
    if (c != null) {
      b.setCadence(c);
    }
    return b.build();
  }

  static SessionFeatures handoff(String id) {
    return teleport(id, ssh(), HUMAN).toBuilder()
        .addSegments(CadenceSegment.newBuilder().setIndex(0).setStartMs(T0).setEndMs(T0 + 300_000).setCadence(HUMAN))
        .addSegments(CadenceSegment.newBuilder().setIndex(1).setStartMs(T0 + 300_000).setEndMs(T0 + 600_000)
            .setCadence(OPUS))
        .build();
  }

  static SessionFeatures gcpSession(String id, String principal, String ua) {
    return SessionFeatures.newBuilder().setSessionId(id).setSubstrate("gcp-cloud-audit").setUser(principal)
        .setStartedMs(T0).setEndedMs(T0 + 1_800_000).setComputedAtMs(T0 + 2_400_000)
        .setGcp(GcpSessionFeatures.newBuilder().setPrincipal(principal).setCallCount(120).setMaxDistinctServices(4)
            .setMaxDistinctMethods(9).setImpersonationCalls(3).setMaxImpersonationDepth(2).setDeniedCalls(5)
            .setSampleUserAgent(ua).addUserAgents(ua).setIdleThresholdS(600)
            .addBuckets(bucket(T0, 60, "compute.instances.list"))
            .addBuckets(bucket(T0 + 60_000, 60, "storage.objects.get")))
        .build();
  }

  static MinuteBucket bucket(long minute, long calls, String method) {
    return MinuteBucket.newBuilder().setMinuteMs(minute).setCallCount(calls).setDistinctMethods(1)
        .setDistinctServices(1).addTopMethods(NameCount.newBuilder().setName(method).setCount(calls)).build();
  }

  static SessionFeatures burst(String id, String principal, String ua, double dominantShare, CadenceFeatures c) {
    return SessionFeatures.newBuilder().setSessionId(id).setSubstrate("gcp-gcloud-burst").setUser(principal)
        .setStartedMs(T0).setEndedMs(T0 + 300_000).setComputedAtMs(T0 + 360_000)
        .setBurst(GcpBurstFeatures.newBuilder().setPrincipal(principal).setCallerIp("10.0.0.7").setUserAgent(ua)
            .setEntryCount(c.getNEvents()).setDominantMethod("compute.instances.list")
            .setDominantMethodShare(dominantShare).setScaleFactor(0.125))
        .setCadence(c)
        .build();
  }

  /** Audit-log cadence: scaled gaps (÷8, e/s ×8 as the featurizer writes them), no bytes. */
  static CadenceFeatures scaled(CadenceFeatures c) {
    return c.toBuilder().setGapScale(0.125).setBytesDropped(true).setTotalBytes(0).build();
  }
}
