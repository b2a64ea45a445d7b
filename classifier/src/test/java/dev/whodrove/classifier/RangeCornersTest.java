package dev.whodrove.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.CadenceFeatures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Corners of the qualitative ranges notes/10 states for each model (not only the single reference run): cadence@v1
 * must keep the attribution across them. Columns: expected, duration, events, e/s, p50, p90, p99, max, >1s, >5s,
 * >30s, burst_frac.
 */
class RangeCornersTest {
  @ParameterizedTest(name = "{0} at e/s {3}, p90 {5}, max {7}")
  @CsvSource({
      // kimi: a gap > 60 s, e/s 0.15-0.5, 2-6 pauses > 30 s, one command then a long wait
      "kimi-k2.6, 600, 120, 0.2, 0.08, 8.0, 40, 65, 30, 25, 2, 0.5",
      "kimi-k2.6, 400, 180, 0.45, 0.05, 11.0, 60, 127, 45, 35, 6, 0.6",
      "kimi-k2.6, 900, 200, 0.22, 0.2, 6.0, 50, 90, 40, 30, 4, 0.25",
      // gemini: p50 ~0, p90 0.1-0.3, p99 20-30 s, e/s 0.5-1.0, 12-20 pauses > 5 s, 1-3 > 30 s
      "gemini-3.1, 300, 165, 0.55, 0.0, 0.25, 20, 31, 15, 12, 1, 0.85",
      "gemini-3.1, 250, 250, 1.0, 0.0, 0.1, 30, 40, 22, 20, 3, 0.9",
      "gemini-3.1, 300, 240, 0.8, 0.0, 0.08, 25, 35, 18, 14, 1, 0.92",
      // opus: no pause > 30 s, max < 20 s, e/s 1.0-1.5, p99 < 15, 30+ pauses > 5 s
      "opus-4.6, 300, 315, 1.05, 0.0, 4.0, 14, 19, 40, 32, 0, 0.75",
      "opus-4.6, 250, 375, 1.5, 0.01, 3.0, 8, 12, 30, 30, 0, 0.8",
      "opus-4.6, 400, 600, 1.5, 0.0, 2.0, 11, 18, 40, 30, 0, 0.85",
      // gpt: p90 < 0.1, e/s 1.3-1.7, one 20-45 s think pause, few medium pauses
      "gpt-5.5, 180, 240, 1.33, 0.0, 0.05, 15, 21, 14, 10, 0, 0.93",
      "gpt-5.5, 200, 340, 1.7, 0.0, 0.09, 20, 45, 18, 8, 1, 0.9",
      "gpt-5.5, 150, 240, 1.6, 0.0, 0.03, 12, 33, 10, 6, 1, 0.95",
      // people (no echo evidence): 50-300 ms keystrokes, 1-10 s thought pauses, sometimes 20-60 s
      "human, 70, 100, 1.43, 0.15, 1.2, 9, 14, 11, 3, 0, 0.64",
      "human, 300, 450, 1.5, 0.2, 1.5, 12, 19, 40, 10, 0, 0.45",
      "human, 780, 620, 0.8, 0.25, 2.0, 25, 58, 90, 35, 1, 0.35",
      "human, 45, 100, 2.2, 0.21, 1.1, 3, 3.1, 10, 0, 0, 0.46"})
  void v1KeepsTheModel(String expected, double dur, long n, double eps, double p50, double p90, double p99,
      double max, long g1, long g5, long g30, double burst) {
    CadenceFeatures c = Reference.cadence(dur, n, 200L * n, eps, p50, p90, p99, max, g1, g5, g30, burst, 2.0);
    CadenceVerdict v = CadenceProfiles.V1.classify(c, null);
    assertThat(v.label()).as(v.scores().toString()).isEqualTo(expected);
  }
}
