package dev.whodrove.featurizer;

import dev.whodrove.testkit.Asciicast;
import dev.whodrove.testkit.Asciicast.Print;
import java.util.List;

/**
 * Batch reference for the cadence@v1 activity fields, with the classifier's definitions (docs/classifier.md, the
 * classifier's asciicast test helper): over the print events left after stripping leading/trailing gaps over 120 s,
 * echo = events after the first with 1–4 bytes and a gap in [0.03 s, 1.5 s], divided by the event count; edit
 * characters summed over all events; gaps over 300 s are absence (count and sum), the largest other gap is
 * active_gap_max. The prints are the test kit's ({@link Asciicast#read}: asciicast v2 "o" events, times in seconds).
 *
 * <p>With {@code ms = true} the gaps are taken on the millisecond timeline the decoder delivers (times rounded to
 * ms), which is what the featurizer sees; with {@code false}, on the raw float seconds, as the classifier's helper
 * does. The two differ only for gaps within a millisecond of a threshold.
 */
final class AsciicastReference {
  double echoFrac;
  long editChars;
  long absenceGaps;
  double absenceS;
  double activeGapMaxS;
  int nEvents;

  /** Gap between two prints, seconds, on the chosen timeline. */
  static double gap(Print a, Print b, boolean ms) {
    return ms ? (Math.round(b.t() * 1000) - Math.round(a.t() * 1000)) / 1000.0 : b.t() - a.t();
  }

  /** The prints left after stripping leading, then trailing, gaps over 120 s. */
  static List<Print> stripped(List<Print> all, boolean ms) {
    int from = 0;
    int to = all.size();
    while (to - from >= 2 && gap(all.get(from), all.get(from + 1), ms) > 120) {
      from++;
    }
    while (to - from >= 2 && gap(all.get(to - 2), all.get(to - 1), ms) > 120) {
      to--;
    }
    return all.subList(from, to);
  }

  /** The fields over the whole sequence after edge-gap stripping. */
  static AsciicastReference session(List<Print> all, boolean ms) {
    return stretch(stripped(all, ms), ms);
  }

  /** The fields over a stretch taken as is (a segment: no stripping, its first event has no gap). */
  static AsciicastReference stretch(List<Print> p, boolean ms) {
    AsciicastReference r = new AsciicastReference();
    r.nEvents = p.size();
    int echo = 0;
    for (int i = 0; i < p.size(); i++) {
      r.editChars += p.get(i).editChars();
      if (i == 0) {
        continue;
      }
      double g = gap(p.get(i - 1), p.get(i), ms);
      int b = p.get(i).bytes();
      if (b >= 1 && b <= 4 && g >= 0.03 && g <= 1.5) {
        echo++;
      }
      if (g > 300) {
        r.absenceGaps++;
        r.absenceS += g;
      } else {
        r.activeGapMaxS = Math.max(r.activeGapMaxS, g);
      }
    }
    r.echoFrac = p.isEmpty() ? 0 : (double) echo / p.size();
    return r;
  }
}
