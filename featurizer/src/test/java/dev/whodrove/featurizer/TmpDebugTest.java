package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.CadenceSegment;
import java.util.List;
import org.junit.jupiter.api.Test;

class TmpDebugTest {
  @Test
  void dump() {
    for (String driver : List.of("human", "gpt-5.5")) {
      for (int seed = 0; seed < 100; seed++) {
        List<SimulatedDrivers.Print> p = new SimulatedDrivers(2000 + seed).session(driver);
        List<CadenceSegment> segs = HandoffSegmentationTest.segments(p);
        if (segs.isEmpty()) continue;
        StringBuilder sb = new StringBuilder(driver + " seed " + seed + " n=" + p.size() + " segs:");
        for (CadenceSegment s : segs) sb.append(String.format(" [n=%d eps=%.2f echo=%.2f]", s.getCadence().getNEvents(), s.getCadence().getEventsPerSec(), s.getCadence().getKeystrokeEchoFrac()));
        sb.append("\n  windows eps:");
        for (int w = 0; w + 30 <= p.size(); w += 30) {
          long a = w == 0 ? p.get(0).atMs() : p.get(w - 1).atMs();
          sb.append(String.format(" %.2f", 30.0 / Math.max(0.001, (p.get(w + 29).atMs() - a) / 1000.0)));
        }
        System.out.println(sb);
      }
    }
  }
}
