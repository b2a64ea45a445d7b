package dev.whodrove.classifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.schemas.v1.CadenceFeatures;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CadenceProfilesTest {
  static CadenceFeatures ref(String name) {
    return switch (name) {
      case "kimi-k2.6" -> Reference.KIMI;
      case "gemini-3.1" -> Reference.GEMINI;
      case "opus-4.6" -> Reference.OPUS;
      case "gpt-5.5" -> Reference.GPT;
      default -> Reference.HUMAN;
    };
  }

  @ParameterizedTest(name = "{0} reference run is {0} under v0 and v1")
  @CsvSource({"kimi-k2.6", "gemini-3.1", "opus-4.6", "gpt-5.5", "human"})
  void referenceStatisticsClassifyAsTheirProfile(String name) {
    for (CadenceTable t : CadenceProfiles.all()) {
      CadenceVerdict v = t.classify(ref(name), null);
      assertThat(v.label()).as(t.stage() + " " + v.scores()).isEqualTo(name);
      assertThat(v.confidence()).isGreaterThanOrEqualTo(0.5);
    }
  }

  @Test
  void v0ScoresMatchTheNotesArithmetic() {
    assertThat(CadenceProfiles.V0.classify(Reference.KIMI, null).scores().get("kimi-k2.6")).isEqualTo(0.8);
    assertThat(CadenceProfiles.V0.classify(Reference.GEMINI, null).scores().get("gemini-3.1")).isEqualTo(1.0);
    assertThat(CadenceProfiles.V0.classify(Reference.OPUS, null).scores().get("opus-4.6")).isEqualTo(1.0);
    Map<String, Double> gpt = CadenceProfiles.V0.classify(Reference.GPT, null).scores();
    assertThat(gpt.get("gpt-5.5")).isEqualTo(1.0);
    assertThat(gpt.get("gemini-3.1")).isEqualTo(0.65);
    // human's five weights add to 0.9999999999999999 in float64, as in the Python reference
    assertThat(CadenceProfiles.V0.classify(Reference.HUMAN, null).scores().get("human"))
        .isEqualTo(0.3 + 0.2 + 0.2 + 0.2 + 0.1);
  }

  @Test
  void tiesGoToTheEarlierProfileAndTheThresholdIsInclusive() {
    Map<Feature, Double> m = new EnumMap<>(Feature.class);
    // only gpt's first rule (+0.5) and human's pause rule (+0.2)... then make human 0.5 too: tie → gpt-5.5 (earlier)
    m.put(Feature.GAP_P90_S, 0.05);
    m.put(Feature.GAP_MAX_S, 25.0);
    m.put(Feature.PAUSES_GT_30S, 0.0);
    m.put(Feature.PAUSES_GT_5S, 30.0);
    m.put(Feature.LOCAL_GAP_STD, 0.9);
    m.put(Feature.EVENTS_PER_SEC, 0.45);
    CadenceVerdict v = CadenceProfiles.V0.classify(CadenceView.of(m));
    assertThat(v.scores().get("gpt-5.5")).isEqualTo(0.5);
    assertThat(v.scores().get("human")).isEqualTo(0.7);
    assertThat(v.label()).isEqualTo("human");
    m.put(Feature.LOCAL_GAP_STD, 0.1); // human now 0.4 + nothing: gpt-5.5 alone at exactly 0.5
    m.put(Feature.EVENTS_PER_SEC, 0.3);
    v = CadenceProfiles.V0.classify(CadenceView.of(m));
    assertThat(v.scores().get("gpt-5.5")).isEqualTo(0.5);
    assertThat(v.label()).isEqualTo("gpt-5.5");
    m.put(Feature.LOCAL_GAP_STD, 0.9); // human 0.3 + 0.2 = 0.5: tie with gpt-5.5, the earlier entry wins
    v = CadenceProfiles.V0.classify(CadenceView.of(m));
    assertThat(v.scores().get("human")).isEqualTo(0.5);
    assertThat(v.label()).isEqualTo("gpt-5.5");
  }

  @Test
  void belowThresholdIsAmbiguousWithScoresKept() {
    for (CadenceTable t : List.of(CadenceProfiles.V0, CadenceProfiles.V1)) { // the case was built for these two
      CadenceVerdict v = t.classify(Reference.AMBIGUOUS, null);
      assertThat(v.label()).as(t.stage() + " " + v.scores()).isEqualTo("ambiguous");
      assertThat(v.kind()).isNull();
      assertThat(v.scores()).isNotEmpty();
      assertThat(v.confidence()).isLessThan(0.5);
    }
  }

  @Test
  void fewerThanThirtyEventsIsInsufficientData() {
    CadenceFeatures c = Reference.OPUS.toBuilder().setNEvents(29).build();
    for (CadenceTable t : CadenceProfiles.all()) {
      assertThat(t.classify(c, null).label()).isEqualTo("insufficient_data");
      assertThat(t.classify(Reference.SHORT, null).scores()).isEmpty();
    }
  }

  @Test
  void v1TreatsLongMidSessionIdleAsAbsence() {
    // a kimi-like max gap that is really a 47-minute absence, with otherwise human-paced typing
    CadenceFeatures away = Reference.HUMAN.toBuilder().setDurationS(782 + 2815).setGapMaxS(2815)
        .setEventsPerSec(619 / (782.0 + 2815)).setPausesGt30S(2).setPausesGt5S(31).setPausesGt1S(81).build();
    assertThat(CadenceProfiles.V0.classify(away, null).label()).isNotEqualTo("human");
    CadenceVerdict v1 = CadenceProfiles.V1.classify(away, null);
    assertThat(v1.label()).isEqualTo("human");
    assertThat(v1.absenceGaps()).isEqualTo(1);
    // the same with the featurizer's own absence accounting
    CadenceFeatures counted = away.toBuilder().setAbsenceGapCount(1).setAbsenceS(2815).setActiveGapMaxS(45).build();
    assertThat(CadenceProfiles.V1.classify(counted, null).label()).isEqualTo("human");
  }

  @Test
  void v1KeystrokeEchoOutweighsAnAgentLikeRhythm() {
    CadenceFeatures typing = Reference.OPUS.toBuilder().setKeystrokeEchoFrac(0.5).setEditChars(20).build();
    assertThat(CadenceProfiles.V0.classify(typing, null).label()).isEqualTo("opus-4.6");
    assertThat(CadenceProfiles.V1.classify(typing, null).label()).isEqualTo("human");
  }

  @Test
  void v1SeparatesGeminiBurstThenThinkFromGpt() {
    // a gemini run with gpt-tight bursts (p90 < 0.1), a rate just over 1/s and 12 pauses > 5 s: v0 reads gpt-5.5
    CadenceFeatures gemini = Reference.GEMINI.toBuilder().setGapP90S(0.08).setEventsPerSec(1.05).setBurstFrac(0.92)
        .setPausesGt5S(12).setThinkFrac(12 / 218.0).build();
    CadenceVerdict v0 = CadenceProfiles.V0.classify(gemini, null);
    assertThat(v0.label()).isEqualTo("gpt-5.5");
    assertThat(v0.scores()).containsEntry("gpt-5.5", 0.8).containsEntry("gemini-3.1", 0.65);
    CadenceVerdict v1 = CadenceProfiles.V1.classify(gemini, null);
    assertThat(v1.label()).as(v1.scores().toString()).isEqualTo("gemini-3.1");
  }

  @Test
  void v1CallsAnUnprofiledAgentAnAgentWithoutAModel() {
    CadenceFeatures fast = Reference.cadence(90, 1000, 40_000, 11.1, 0.006, 0.1, 0.7, 20, 7, 2, 0, 0.95, 0.1)
        .toBuilder().setKeystrokeEchoFrac(0.04).build();
    CadenceVerdict v = CadenceProfiles.V1.classify(fast, 1L);
    assertThat(v.label()).isEqualTo(CadenceProfiles.UNPROFILED_AGENT);
    assertThat(v.isAgent()).isTrue();
    assertThat(v.isModel()).isFalse();
  }

  @Test
  void unknownTableVersionIsAClearError() {
    assertThatThrownBy(() -> CadenceProfiles.byVersion("v9")).hasMessageContaining("v9");
  }
}
