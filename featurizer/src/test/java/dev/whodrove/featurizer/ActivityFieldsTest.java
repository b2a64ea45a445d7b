package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.schemas.v1.CadenceSegment;
import dev.whodrove.testkit.Asciicast;
import dev.whodrove.testkit.AsciicastFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The cadence@v1 activity fields, streamed, against the classifier's batch definitions. */
class ActivityFieldsTest {

  static List<Path> fixtures() throws IOException {
    Path root = AsciicastFixtures.directory();
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.toString().endsWith(".cast")).sorted().toList();
    }
  }

  /** Streams prints as the decoder delivers asciicast: times rounded to ms, bytes and edit characters per chunk. */
  static CadenceAccumulator stream(List<Asciicast.Print> prints) {
    CadenceAccumulator acc = new CadenceAccumulator();
    for (int i = 0; i < prints.size(); i++) {
      Asciicast.Print p = prints.get(i);
      acc.add(Recordings.T0 + Math.round(p.t() * 1000), p.bytes(), p.editChars());
      if (i == prints.size() / 2) {
        acc = CadenceAccumulator.fromBytes(acc.toBytes()); // state survives a round trip
      }
    }
    return acc;
  }

  static void assertMatches(String ctx, CadenceFeatures f, AsciicastReference ref) {
    assertThat(f.getNEvents()).as(ctx + " n").isEqualTo(ref.nEvents);
    assertThat(f.hasKeystrokeEchoFrac()).as(ctx + " echo set").isTrue();
    assertThat(f.getKeystrokeEchoFrac()).as(ctx + " echo").isCloseTo(ref.echoFrac, within(1e-12));
    assertThat(f.getEditChars()).as(ctx + " edits").isEqualTo(ref.editChars);
    assertThat(f.getAbsenceGapCount()).as(ctx + " absence count").isEqualTo(ref.absenceGaps);
    // ms timestamps: each gap is within 1 ms of the reference's
    assertThat(f.getAbsenceS()).as(ctx + " absence s").isCloseTo(ref.absenceS, within(0.001 * (ref.absenceGaps + 1)));
    assertThat(f.getActiveGapMaxS()).as(ctx + " active max").isCloseTo(ref.activeGapMaxS, within(0.001));
  }

  @Test
  void realRecordingsMatchTheClassifierDefinitions() throws Exception {
    List<Path> files = fixtures();
    assertThat(files).hasSize(10);
    for (Path file : files) {
      String ctx = file.getFileName().toString();
      List<Asciicast.Print> prints = Asciicast.read(file).prints();
      CadenceFeatures f = stream(prints).features();
      // exact on the ms timeline the decoder delivers
      assertMatches(ctx, f, AsciicastReference.session(prints, true));
      // on the raw float times (the classifier helper's view) at most one event sits within 1 ms of an echo bound
      AsciicastReference raw = AsciicastReference.session(prints, false);
      assertThat(f.getKeystrokeEchoFrac()).as(ctx + " echo vs raw times")
          .isCloseTo(raw.echoFrac, within(1.0 / raw.nEvents + 1e-12));
      assertThat(f.getEditChars()).as(ctx + " edits vs raw").isEqualTo(raw.editChars);
      assertThat(f.getAbsenceGapCount()).as(ctx + " absence vs raw").isEqualTo(raw.absenceGaps);
      assertThat(f.getAbsenceS()).as(ctx + " absence s vs raw").isCloseTo(raw.absenceS, within(0.001));
      assertThat(f.getActiveGapMaxS()).as(ctx + " active max vs raw").isCloseTo(raw.activeGapMaxS, within(0.001));
    }
  }

  @Test
  void peopleEchoAndAgentsDoNot() throws Exception {
    for (Path file : fixtures()) {
      CadenceFeatures f = stream(Asciicast.read(file).prints()).features();
      boolean human = file.getParent().getFileName().toString().equals("human");
      if (human) {
        assertThat(f.getKeystrokeEchoFrac()).as(file.getFileName().toString()).isGreaterThanOrEqualTo(0.25);
      } else {
        assertThat(f.getKeystrokeEchoFrac()).as(file.getFileName().toString()).isLessThan(0.08);
      }
    }
  }

  /** A real agent recording appended to a real person's: the segments carry the fields of their own stretch. */
  @Test
  void segmentsOfAPersonThenAnAgentCarryTheirOwnFields() throws Exception {
    List<Asciicast.Print> person = Asciicast.read(fixtures().stream()
        .filter(p -> p.getFileName().toString().startsWith("h7")).findFirst().orElseThrow()).prints();
    List<Asciicast.Print> agent = Asciicast.read(fixtures().stream()
        .filter(p -> p.getFileName().toString().startsWith("a1")).findFirst().orElseThrow()).prints();
    List<Asciicast.Print> both = new ArrayList<>();
    both.addAll(stripped(person));
    double shift = both.get(both.size() - 1).t() + 3 - stripped(agent).get(0).t();
    for (Asciicast.Print p : stripped(agent)) {
      both.add(new Asciicast.Print(p.t() + shift, p.bytes(), p.editChars()));
    }
    CadenceAccumulator acc = stream(both);
    assertMatches("session", acc.features(), AsciicastReference.session(both, true));
    List<CadenceSegment> segs = acc.segments();
    assertThat(segs).hasSizeGreaterThanOrEqualTo(2);
    assertSegmentsMatch(segs, AsciicastReference.stripped(both, true));
    assertThat(segs.get(0).getCadence().getKeystrokeEchoFrac()).isGreaterThan(0.25);
    assertThat(segs.get(segs.size() - 1).getCadence().getKeystrokeEchoFrac()).isLessThan(0.08);
  }

  private static List<Asciicast.Print> stripped(List<Asciicast.Print> all) {
    return AsciicastReference.stripped(all, true);
  }

  /** Segments are consecutive slices of the committed events: each one against the reference on its slice. */
  static void assertSegmentsMatch(List<CadenceSegment> segs, List<Asciicast.Print> committed) {
    int from = 0;
    for (CadenceSegment s : segs) {
      int n = (int) s.getCadence().getNEvents();
      assertMatches("segment " + s.getIndex(), s.getCadence(),
          AsciicastReference.stretch(committed.subList(from, from + n), true));
      from += n;
    }
    assertThat(from).isEqualTo(committed.size());
  }

  /** Random sequences (edge gaps, absences, echo-sized events, edits), streamed, against the reference. */
  @Test
  void randomSequencesMatchTheReference() {
    Random r = new Random(17);
    int segmented = 0;
    for (int trial = 0; trial < 300; trial++) {
      int n = 2 + r.nextInt(trial < 200 ? 400 : 3000);
      List<Asciicast.Print> prints = new ArrayList<>();
      long t = 0;
      int mode = r.nextInt(4);
      for (int i = 0; i < n; i++) {
        double p = r.nextDouble();
        boolean typing = mode == 3 && i < n / 2; // mode 3: typing, then machine output (a hand-off)
        long g = switch (mode) {
          case 0 -> p < 0.7 ? r.nextInt(2000) : p < 0.95 ? r.nextInt(60_000) : 100_000 + r.nextInt(600_000);
          case 1 -> p < 0.5 ? 25 + r.nextInt(10) : p < 0.9 ? 1490 + r.nextInt(20) : r.nextInt(400_000);
          case 2 -> p < 0.8 ? r.nextInt(3) : 299_990 + r.nextInt(20);
          default -> typing ? (p < 0.9 ? 60 + r.nextInt(400) : r.nextInt(20_000)) : (p < 0.9 ? r.nextInt(3) : 5000);
        };
        t += i == 0 ? 0 : g;
        int bytes = mode == 3 ? (typing ? 1 : 20 + r.nextInt(200)) : r.nextInt(8);
        prints.add(new Asciicast.Print(t / 1000.0, bytes, r.nextInt(10) == 0 ? 1 + r.nextInt(3) : 0));
      }
      CadenceAccumulator acc = stream(prints);
      String ctx = "trial " + trial + " mode " + mode;
      AsciicastReference ref = AsciicastReference.session(prints, true);
      if (ref.nEvents < 2) {
        continue;
      }
      assertMatches(ctx, acc.features(), ref);
      List<CadenceSegment> segs = acc.segments();
      if (!segs.isEmpty()) {
        segmented++;
        assertSegmentsMatch(segs, stripped(prints));
      }
    }
    assertThat(segmented).as("trials that split").isGreaterThan(20);
  }
}
