package dev.whodrove.llm;

import dev.whodrove.schemas.v1.Label;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * The label stamps of phase 2 (docs/architecture.md §6). Confidence keys follow the existing convention of dots in
 * the labelled
 * key becoming dashes: {@code confidence.agent-tool}, {@code confidence.work-kind},
 * {@code confidence.agent-suspected-model}.
 */
public final class Phase2Labels {
  public static final String AGENT_TOOL = "agent.tool";
  public static final String WORK_KIND = "work.kind";
  public static final String SUSPECTED_MODEL = "agent.suspected_model";
  public static final String CONFIDENCE_AGENT_TOOL = "confidence.agent-tool";
  public static final String CONFIDENCE_WORK_KIND = "confidence.work-kind";
  public static final String CONFIDENCE_SUSPECTED_MODEL = "confidence.agent-suspected-model";
  public static final String RATIONALE = "phase2.rationale";
  public static final String STATUS = "phase2.status";
  public static final String ERROR = "phase2.error";
  /** Which model answered (provenance for analysts comparing model versions). */
  public static final String MODEL = "phase2.model";

  public static final String OK = "ok";
  public static final String FAILED = "error";

  private final String setBy;
  private final String llmModel;

  public Phase2Labels(String setBy, String llmModel) {
    this.setBy = setBy;
    this.llmModel = llmModel;
  }

  public List<Label> ok(AnswerValidator.Answer a, long setAtMs) {
    List<Label> out = new ArrayList<>();
    out.add(label(AGENT_TOOL, a.agentTool(), setAtMs));
    out.add(label(CONFIDENCE_AGENT_TOOL, decimal(a.agentToolConfidence()), setAtMs));
    out.add(label(WORK_KIND, a.workKind(), setAtMs));
    out.add(label(CONFIDENCE_WORK_KIND, decimal(a.workKindConfidence()), setAtMs));
    if (a.suspectedModel() != null) {
      out.add(label(SUSPECTED_MODEL, a.suspectedModel(), setAtMs));
      if (a.suspectedModelConfidence() != null) {
        out.add(label(CONFIDENCE_SUSPECTED_MODEL, decimal(a.suspectedModelConfidence()), setAtMs));
      }
    }
    if (!a.rationale().isEmpty()) {
      out.add(label(RATIONALE, a.rationale(), setAtMs));
    }
    out.add(label(MODEL, llmModel, setAtMs));
    out.add(label(STATUS, OK, setAtMs));
    return out;
  }

  /** Only the status and the reason: no label the model did not give. */
  public List<Label> error(String reason, long setAtMs) {
    return List.of(
        label(STATUS, FAILED, setAtMs),
        label(ERROR, AnswerValidator.oneLine(reason, AnswerSchema.RATIONALE_MAX), setAtMs),
        label(MODEL, llmModel, setAtMs));
  }

  private Label label(String key, String value, long setAtMs) {
    return Label.newBuilder().setKey(key).setValue(value).setSetBy(setBy).setSetAtMs(setAtMs).build();
  }

  /** Canonical decimal string, at most three places: 0.8, 0.125, 1. */
  static String decimal(double d) {
    return BigDecimal.valueOf(d).setScale(3, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
  }
}
