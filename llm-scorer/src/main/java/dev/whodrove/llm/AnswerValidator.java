package dev.whodrove.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Checks a model answer against {@link AnswerSchema} and turns it into an {@link Answer}. Anything off-schema (not
 * JSON, a value outside a vocabulary, a confidence outside [0, 1], a missing or extra field, a refusal, a cut-off
 * answer) is rejected with a one-line reason: phase 2 never stamps a label the model did not clearly give.
 */
public final class AnswerValidator {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Model names as the label vocabulary spells them: lower case, digits, dots, dashes (opus-4.6, gpt-5.5). */
  private static final Pattern MODEL_NAME = Pattern.compile("[a-z0-9][a-z0-9._+-]{0,63}");
  private static final Pattern FENCE = Pattern.compile("(?s)^```(?:json)?\\s*(.*?)\\s*```$");

  /** A validated answer. {@code suspectedModel} is null when the model named none. */
  public record Answer(String agentTool, double agentToolConfidence, String workKind, double workKindConfidence,
      String suspectedModel, Double suspectedModelConfidence, String rationale) {}

  /** Why an answer was rejected; {@link #kind} is refused, truncated or invalid_answer. */
  public static final class InvalidAnswerException extends Exception {
    private final String kind;

    public InvalidAnswerException(String kind, String reason) {
      super(reason);
      this.kind = kind;
    }

    public String kind() {
      return kind;
    }
  }

  public Answer validate(Completion c) throws InvalidAnswerException {
    if (c.refused()) {
      throw new InvalidAnswerException("refused", "model refused: " + oneLine(c.refusal(), 150));
    }
    if ("length".equals(c.finishReason())) {
      throw new InvalidAnswerException("truncated", "answer cut off at the output token limit");
    }
    if ("content_filter".equals(c.finishReason())) {
      throw new InvalidAnswerException("refused", "answer withheld by the provider's content filter");
    }
    String content = c.content() == null ? "" : c.content().strip();
    if (content.isEmpty()) {
      throw new InvalidAnswerException("invalid_answer", "empty answer");
    }
    var fenced = FENCE.matcher(content);
    if (fenced.matches()) {
      content = fenced.group(1);
    }
    JsonNode root;
    try {
      root = JSON.readTree(content);
    } catch (JsonProcessingException e) {
      throw invalid("answer is not JSON: " + oneLine(e.getOriginalMessage(), 120));
    }
    if (root == null || !root.isObject()) {
      throw invalid("answer is not a JSON object");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!AnswerSchema.FIELDS.contains(name)) {
        throw invalid("unexpected field " + oneLine(name, 40));
      }
    }
    String tool = enumValue(root, AnswerSchema.F_AGENT_TOOL, AnswerSchema.AGENT_TOOLS);
    String kind = enumValue(root, AnswerSchema.F_WORK_KIND, AnswerSchema.WORK_KINDS);
    double toolConf = confidence(root, AnswerSchema.F_AGENT_TOOL_CONFIDENCE, false);
    double kindConf = confidence(root, AnswerSchema.F_WORK_KIND_CONFIDENCE, false);
    String model = null;
    Double modelConf = null;
    JsonNode m = root.get(AnswerSchema.F_SUSPECTED_MODEL);
    if (m != null && !m.isNull()) {
      if (!m.isTextual()) {
        throw invalid(AnswerSchema.F_SUSPECTED_MODEL + " is not a string");
      }
      String v = m.asText().strip().toLowerCase(Locale.ROOT);
      if (!v.isEmpty() && !v.equals("unknown") && !v.equals("null")) {
        if (!MODEL_NAME.matcher(v).matches()) {
          throw invalid(AnswerSchema.F_SUSPECTED_MODEL + " is not a model name: " + oneLine(v, 40));
        }
        model = v;
        double conf = confidence(root, AnswerSchema.F_SUSPECTED_MODEL_CONFIDENCE, true);
        modelConf = Double.isNaN(conf) ? null : conf;
      }
    }
    JsonNode why = root.get(AnswerSchema.F_RATIONALE);
    if (why == null || !why.isTextual()) {
      throw invalid("missing " + AnswerSchema.F_RATIONALE);
    }
    return new Answer(tool, toolConf, kind, kindConf, model, modelConf, rationale(why.asText()));
  }

  /** One line, at most {@value AnswerSchema#RATIONALE_MAX} characters (cut at a word where possible). */
  static String rationale(String s) {
    String t = s.replaceAll("\\s+", " ").strip();
    if (t.length() <= AnswerSchema.RATIONALE_MAX) {
      return t;
    }
    String cut = t.substring(0, AnswerSchema.RATIONALE_MAX - 1);
    int space = cut.lastIndexOf(' ');
    return (space > AnswerSchema.RATIONALE_MAX / 2 ? cut.substring(0, space) : cut) + "…";
  }

  private static String enumValue(JsonNode root, String field, java.util.List<String> allowed)
      throws InvalidAnswerException {
    JsonNode n = root.get(field);
    if (n == null || !n.isTextual()) {
      throw invalid("missing " + field);
    }
    String v = n.asText().strip().toLowerCase(Locale.ROOT);
    if (!allowed.contains(v)) {
      throw invalid(field + " '" + oneLine(v, 40) + "' is not one of " + String.join("|", allowed));
    }
    return v;
  }

  /** A confidence in [0, 1]; NaN for an allowed null. */
  private static double confidence(JsonNode root, String field, boolean nullable) throws InvalidAnswerException {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      if (nullable) {
        return Double.NaN;
      }
      throw invalid("missing " + field);
    }
    if (!n.isNumber()) {
      throw invalid(field + " is not a number");
    }
    double d = n.asDouble();
    if (!(d >= 0 && d <= 1)) {
      throw invalid(field + " " + d + " is outside [0, 1]");
    }
    return d;
  }

  private static InvalidAnswerException invalid(String reason) {
    return new InvalidAnswerException("invalid_answer", reason);
  }

  static String oneLine(String s, int max) {
    if (s == null) {
      return "";
    }
    String t = s.replaceAll("\\s+", " ").strip();
    return t.length() <= max ? t : t.substring(0, max) + "…";
  }
}
