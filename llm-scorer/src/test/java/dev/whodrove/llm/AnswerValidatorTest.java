package dev.whodrove.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AnswerValidatorTest {
  private final AnswerValidator v = new AnswerValidator();

  private static Completion content(String s) {
    return new Completion(s, null, "stop", 1, 1, 2, 1);
  }

  @Test
  void acceptsAnAnswerInTheSchema() throws Exception {
    AnswerValidator.Answer a = v.validate(content(
        FakeChatServer.answer("codex", 0.9, "debug", 0.55, "GPT-5.5", 0.4, "short gaps, no edits")));
    assertThat(a).isEqualTo(new AnswerValidator.Answer("codex", 0.9, "debug", 0.55, "gpt-5.5", 0.4,
        "short gaps, no edits"));
  }

  @Test
  void nullModelMeansNoModel() throws Exception {
    AnswerValidator.Answer a = v.validate(content(
        FakeChatServer.answer("unknown", 0.3, "unknown", 0.2, null, null, "too little evidence")));
    assertThat(a.suspectedModel()).isNull();
    assertThat(a.suspectedModelConfidence()).isNull();
  }

  @Test
  void acceptsOneFencedBlockAndShortensLongRationales() throws Exception {
    String json = FakeChatServer.answer("cursor", 1, "deploy", 1, null, null, "word ".repeat(80));
    AnswerValidator.Answer a = v.validate(content("```json\n" + json + "\n```"));
    assertThat(a.rationale()).hasSizeLessThanOrEqualTo(200).endsWith("…");
  }

  @Test
  void rejectsOffSchemaAnswers() {
    assertInvalid("{\"agent_tool\": \"claude-code\", ", "not JSON");
    assertInvalid("[1,2]", "not a JSON object");
    assertInvalid(FakeChatServer.answer("copilot", 0.5, "deploy", 0.5, null, null, "x"), "agent_tool 'copilot'");
    assertInvalid(FakeChatServer.answer("codex", 1.5, "deploy", 0.5, null, null, "x"), "outside [0, 1]");
    assertInvalid(FakeChatServer.answer("codex", 0.5, "mining", 0.5, null, null, "x"), "work_kind");
    assertInvalid(FakeChatServer.answer("codex", 0.5, "deploy", 0.5, "Opus 4.6!", 0.5, "x"), "not a model name");
    assertInvalid("{\"agent_tool\":\"codex\",\"agent_tool_confidence\":0.5,\"work_kind\":\"deploy\","
        + "\"work_kind_confidence\":0.5,\"rationale\":\"x\",\"operator\":\"human\"}", "unexpected field operator");
    assertInvalid("{\"agent_tool\":\"codex\",\"work_kind\":\"deploy\",\"work_kind_confidence\":0.5,"
        + "\"rationale\":\"x\"}", "missing agent_tool_confidence");
  }

  @Test
  void refusalsAndCutOffAnswersAreErrors() {
    assertThatThrownBy(() -> v.validate(new Completion(null, "I can't help with that.", "stop", 1, 1, 2, 1)))
        .isInstanceOfSatisfying(AnswerValidator.InvalidAnswerException.class,
            e -> assertThat(e.kind()).isEqualTo("refused"));
    assertThatThrownBy(() -> v.validate(new Completion("{\"agent_tool\":", null, "length", 1, 1, 2, 1)))
        .isInstanceOfSatisfying(AnswerValidator.InvalidAnswerException.class,
            e -> assertThat(e.kind()).isEqualTo("truncated"));
  }

  private void assertInvalid(String answer, String reasonPart) {
    assertThatThrownBy(() -> v.validate(content(answer)))
        .isInstanceOf(AnswerValidator.InvalidAnswerException.class)
        .hasMessageContaining(reasonPart);
  }
}
