package dev.whodrove.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.schemas.v1.CadenceSegment;
import dev.whodrove.schemas.v1.SessionFeatures;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The shipped tables must classify exactly as they did when they were Java code: the digest of every verdict's bytes
 * over a fixed random corpus (all fields of the cadence message drawn over the ranges the rules test, with and
 * without the v1 evidence, with segments) was recorded from the code-built tables and must not move.
 */
class ShippedTableGoldenTest {
  static final String V0_DIGEST = "0ebf8b63b6ee62ce1030198ab301f49fbd0c4ba21d0753da21377f9717659ef3";
  static final String V1_DIGEST = "d09aeb2b6d6e5346d8d2884550ae65a7ea782495e41fcae6a1296199f1b91a84";

  @Test
  void shippedTablesGiveTheRecordedVerdictBytes() throws Exception {
    assertThat(digest(CadenceProfiles.V0)).isEqualTo(V0_DIGEST);
    assertThat(digest(CadenceProfiles.V1)).isEqualTo(V1_DIGEST);
  }

  static String digest(CadenceTable table) throws Exception {
    Classifier c = new Classifier(ClassifierConfig.defaults().withCadence(table));
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    SplittableRandom rng = new SplittableRandom(20261206L);
    for (int i = 0; i < 4000; i++) {
      SessionFeatures.Builder f = Reference.teleport("s" + i, Reference.ssh(), randomCadence(rng)).toBuilder();
      if (i % 7 == 0) {
        f.addSegments(CadenceSegment.newBuilder().setIndex(0).setCadence(randomCadence(rng)));
        f.addSegments(CadenceSegment.newBuilder().setIndex(1).setCadence(randomCadence(rng)));
      }
      if (i % 3 == 0) {
        f.getTeleportBuilder().setEditCharCount(rng.nextInt(20));
      }
      md.update(c.classify(f.build()).verdict().toByteArray());
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static CadenceFeatures randomCadence(SplittableRandom r) {
    long n = 20 + r.nextInt(1500);
    double dur = 60 + r.nextDouble() * 3000;
    double p50 = pick(r, 0.0, 0.03, 0.06, 0.3, 0.7) * r.nextDouble(0.5, 1.5);
    double p90 = p50 + pick(r, 0.05, 0.2, 1, 5, 12) * r.nextDouble(0.5, 1.5);
    double p99 = p90 + pick(r, 2, 8, 14, 20, 40) * r.nextDouble(0.5, 1.5);
    double max = p99 + pick(r, 1, 10, 40, 100, 500) * r.nextDouble(0.2, 1.5);
    long g1 = r.nextInt((int) Math.min(n, 200));
    long g5 = g1 == 0 ? 0 : r.nextInt((int) g1 + 1);
    long g30 = g5 == 0 ? 0 : r.nextInt((int) Math.min(g5, 6) + 1);
    CadenceFeatures.Builder b = CadenceFeatures.newBuilder().setNEvents(n).setDurationS(dur).setTotalBytes(
            (long) (n * pick(r, 3, 20, 40, 200))).setEventsPerSec(n / dur * pick(r, 1, 0.3, 3, 10))
        .setGapP50S(p50).setGapP90S(p90).setGapP99S(p99).setGapMaxS(max).setPausesGt1S(g1).setPausesGt5S(g5)
        .setPausesGt30S(g30).setBurstFrac(r.nextDouble()).setThinkFrac((double) g5 / Math.max(1, n - 1))
        .setLocalGapStd(pick(r, 0.1, 0.4, 0.8, 3)).setGapScale(1.0).setInsufficientData(n < 30 && r.nextBoolean());
    if (r.nextInt(4) > 0) {
      b.setKeystrokeEchoFrac(pick(r, 0.0, 0.05, 0.1, 0.3, 0.6)).setEditChars(r.nextInt(40));
      if (r.nextBoolean()) {
        long absent = max > 300 ? 1 : 0;
        b.setAbsenceGapCount(absent).setAbsenceS(absent * max).setActiveGapMaxS(absent > 0 ? p99 : max);
      }
    }
    return b.build();
  }

  private static double pick(SplittableRandom r, double... v) {
    return v[r.nextInt(v.length)];
  }
}
