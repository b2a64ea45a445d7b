package dev.whodrove.classifier;

import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportFeatures;
import dev.whodrove.testkit.Asciicast.Cast;
import dev.whodrove.testkit.Asciicast.Print;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Test-only batch version of the featurizer's cadence features for asciicast v2 recordings (as the test kit's
 * {@link dev.whodrove.testkit.Asciicast} reads them: "o" events are print events, "i" events are keyboard input).
 * Mirrors the notes/10 definitions (numpy linear percentiles, population std, the reference's local_gap_std window
 * range) and the v1 additions.
 */
final class AsciicastCadence {
  static final double EDGE_GAP_S = 120;
  static final double ABSENCE_GAP_S = 300;
  static final int MIN_EVENTS = 30;

  private AsciicastCadence() {}

  /** Cadence features of a run of print events, as the featurizer computes them. */
  static CadenceFeatures cadence(List<Print> all) {
    int from = 0;
    int to = all.size(); // exclusive
    double leading = 0;
    double trailing = 0;
    while (to - from >= 2 && all.get(from + 1).t() - all.get(from).t() > EDGE_GAP_S) {
      leading += all.get(from + 1).t() - all.get(from).t();
      from++;
    }
    while (to - from >= 2 && all.get(to - 1).t() - all.get(to - 2).t() > EDGE_GAP_S) {
      trailing += all.get(to - 1).t() - all.get(to - 2).t();
      to--;
    }
    List<Print> p = all.subList(from, to);
    int n = p.size();
    CadenceFeatures.Builder c = CadenceFeatures.newBuilder().setNEvents(n).setGapScale(1.0)
        .setStrippedLeadingGapS(leading).setStrippedTrailingGapS(trailing);
    if (n < MIN_EVENTS) {
      return c.setInsufficientData(true).build();
    }
    double[] gaps = new double[n - 1];
    long bytes = p.get(0).bytes();
    long edits = p.get(0).editChars();
    int echo = 0;
    int absent = 0;
    double absentS = 0;
    double activeMax = 0;
    for (int i = 1; i < n; i++) {
      double g = p.get(i).t() - p.get(i - 1).t();
      gaps[i - 1] = g;
      bytes += p.get(i).bytes();
      edits += p.get(i).editChars();
      int b = p.get(i).bytes();
      if (b >= 1 && b <= 4 && g >= 0.03 && g <= 1.5) {
        echo++;
      }
      if (g > ABSENCE_GAP_S) {
        absent++;
        absentS += g;
      } else {
        activeMax = Math.max(activeMax, g);
      }
    }
    double duration = p.get(n - 1).t() - p.get(0).t();
    double[] sorted = gaps.clone();
    Arrays.sort(sorted);
    int gt1 = 0;
    int gt5 = 0;
    int gt30 = 0;
    int burst = 0;
    for (double g : gaps) {
      gt1 += g > 1 ? 1 : 0;
      gt5 += g > 5 ? 1 : 0;
      gt30 += g > 30 ? 1 : 0;
      burst += g < 0.2 ? 1 : 0;
    }
    return c.setDurationS(duration)
        .setTotalBytes(bytes)
        .setEventsPerSec(n / Math.max(1e-9, duration))
        .setGapP50S(percentile(sorted, 50))
        .setGapP90S(percentile(sorted, 90))
        .setGapP99S(percentile(sorted, 99))
        .setGapMaxS(sorted[sorted.length - 1])
        .setPausesGt1S(gt1)
        .setPausesGt5S(gt5)
        .setPausesGt30S(gt30)
        .setBurstFrac((double) burst / gaps.length)
        .setThinkFrac((double) gt5 / gaps.length)
        .setLocalGapStd(localGapStd(gaps))
        .setKeystrokeEchoFrac((double) echo / n)
        .setEditChars(edits)
        .setAbsenceGapCount(absent)
        .setAbsenceS(absentS)
        .setActiveGapMaxS(activeMax)
        .build();
  }

  /** numpy's default (linear) percentile of sorted values. */
  static double percentile(double[] sorted, double q) {
    double pos = (sorted.length - 1) * q / 100.0;
    int lo = (int) Math.floor(pos);
    int hi = (int) Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }

  /** Mean population std over gaps[i:i+10] for i in range(0, max(1, len-10)), as the reference computes it. */
  static double localGapStd(double[] gaps) {
    int windows = Math.max(1, gaps.length - 10);
    double sum = 0;
    for (int i = 0; i < windows; i++) {
      int end = Math.min(gaps.length, i + 10);
      double mean = 0;
      for (int j = i; j < end; j++) {
        mean += gaps[j];
      }
      mean /= end - i;
      double var = 0;
      for (int j = i; j < end; j++) {
        var += (gaps[j] - mean) * (gaps[j] - mean);
      }
      sum += Math.sqrt(var / (end - i));
    }
    return sum / windows;
  }

  /** A Teleport-shaped feature record for a cast: a PTY SSH session with a decoded recording. */
  static SessionFeatures session(String id, Cast cast) {
    List<Print> p = cast.prints();
    List<Double> gapsMs = new ArrayList<>();
    long bytes = 0;
    long edits = 0;
    int idle = 0;
    for (int i = 0; i < p.size(); i++) {
      bytes += p.get(i).bytes();
      edits += p.get(i).editChars();
      if (i > 0) {
        double g = Math.max(0, (p.get(i).t() - p.get(i - 1).t()) * 1000);
        gapsMs.add(g);
        idle += g > 2000 ? 1 : 0;
      }
    }
    gapsMs.sort(Double::compare);
    double median = gapsMs.isEmpty() ? 0 : gapsMs.size() % 2 == 1 ? gapsMs.get(gapsMs.size() / 2)
        : (gapsMs.get(gapsMs.size() / 2 - 1) + gapsMs.get(gapsMs.size() / 2)) / 2;
    long start = 1_700_000_000_000L;
    long end = start + (long) ((p.isEmpty() ? 0 : p.get(p.size() - 1).t()) * 1000);
    return SessionFeatures.newBuilder()
        .setSessionId(id)
        .setSubstrate("teleport-recording")
        .setUser("fixture")
        .setStartedMs(start)
        .setEndedMs(end)
        .setComputedAtMs(end + 1000)
        .setTeleport(TeleportFeatures.newBuilder()
            .setKind("ssh").setPtyPresent(true).setInteractive(true).setRecordingPresent(true)
            .setRecordingFormat("asciicast").setPrintChunks(p.size()).setPrintBytes(bytes)
            .setEditCharCount(edits).setMedianChunkGapMs(median).setIdleGapCount(idle)
            .setInputEvents(cast.inputs()))
        .setCadence(cadence(p))
        .build();
  }

  /** The same record without the v1 cadence fields, as a featurizer that computes only notes/10 and §4 would emit it. */
  static SessionFeatures withoutV1Evidence(SessionFeatures f) {
    return f.toBuilder()
        .setCadence(f.getCadence().toBuilder().clearKeystrokeEchoFrac().clearEditChars().clearAbsenceGapCount()
            .clearAbsenceS().clearActiveGapMaxS())
        .build();
  }
}
