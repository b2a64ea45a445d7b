package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.classifier.CadenceProfiles;
import dev.whodrove.classifier.Classifier;
import dev.whodrove.classifier.ClassifierConfig;
import dev.whodrove.classifier.EscalationPolicy;
import dev.whodrove.classifier.ProfileEvaluation;
import dev.whodrove.schemas.v1.Escalation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** cadence@v2's calibration holds on sessions it was not fitted on, and escalation reads the calibrated values. */
class CalibrationTest {
  static final List<String> CLASSES = List.of("human", "kimi-k2.6", "gemini-3.1", "opus-4.6", "gpt-5.5", "model-x");

  @Test
  void v2ConfidencesAreCalibratedOnFreshSessions() {
    List<ProfileEvaluation.Case> cases = new ArrayList<>(SimulatedCorpus.cases(CLASSES, 10, 0.5, 3001));
    cases.addAll(SimulatedCorpus.cases(CLASSES, 6, 0.0, 3002));
    ProfileEvaluation.Report v2 = ProfileEvaluation.evaluate(ClassifierConfig.defaults()
        .withCadence(CadenceProfiles.V2), cases);
    ProfileEvaluation.Report v1 = ProfileEvaluation.evaluate(ClassifierConfig.defaults(), cases);
    assertThat(v2.ece()).as(v2.render()).isLessThan(0.03).isLessThan(v1.ece());
    assertThat(v2.suspicionEce()).as(v2.render()).isLessThan(0.08).isLessThan(v1.suspicionEce());
  }

  @Test
  void aModelNamedWithLowCalibratedSuspicionIsEscalated() {
    ProfileEvaluation.Case unseen = SimulatedCorpus.cases(List.of("model-x"), 1, 0.0, 3003).get(0);
    ClassifierConfig v2 = ClassifierConfig.defaults().withCadence(CadenceProfiles.V2);
    Optional<Escalation> e = new Classifier(v2).classify(unseen.features()).escalation();
    assertThat(e).isPresent();
    assertThat(e.get().getReasonsList()).contains(EscalationPolicy.LOW_CONFIDENCE);
    // uncalibrated tables stamp raw scores: the bound does not apply
    assertThat(new Classifier(ClassifierConfig.defaults()).classify(unseen.features()).escalation()
        .map(x -> List.copyOf(x.getReasonsList())).orElse(List.of())).doesNotContain(EscalationPolicy.LOW_CONFIDENCE);
    // a published model's session is not
    ProfileEvaluation.Case gpt = SimulatedCorpus.cases(List.of("gpt-5.5"), 1, 0.0, 3004).get(0);
    assertThat(new Classifier(v2).classify(gpt.features()).escalation().map(x -> List.copyOf(x.getReasonsList()))
        .orElse(List.of())).doesNotContain(EscalationPolicy.LOW_CONFIDENCE);
  }
}
