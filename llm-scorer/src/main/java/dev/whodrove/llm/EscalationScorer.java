package dev.whodrove.llm;

import dev.whodrove.schemas.redact.SecretRedactor;
import dev.whodrove.schemas.v1.Escalation;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores one escalation, without Kafka: prompt, model call, validation, labels. The service around it decides what
 * to commit; this class decides what the verdict says.
 */
public final class EscalationScorer {
  private static final Logger log = LoggerFactory.getLogger(EscalationScorer.class);
  /** How much terminal text to read before redaction; the prompt keeps head and tail of it. */
  static final int PTY_READ_LIMIT = 1_000_000;

  /** How an escalation ended. */
  public enum Status {
    /** Labels from a valid answer. */
    OK,
    /** The model answered, but not usably: error labels and a dead letter; asking again would cost the same. */
    INVALID_ANSWER,
    /** The model refused the request (a 4xx other than 401/403): error labels and a dead letter. */
    UNAVAILABLE,
    /**
     * The model could not answer now (timeouts, 5xx, 429, I/O after the client's own retries, refused credentials):
     * nothing is published, the escalation is retried later within its retry budget.
     */
    RETRY
  }

  /**
   * @param deadLetterReason set when the escalation also goes to the dead-letter topic
   */
  public record Outcome(SessionVerdict verdict, Status status, String deadLetterReason, String errorKind) {
    /** Whether the model was asked and answered, so a redelivery must not ask again. */
    public boolean modelAnswered() {
      return status != Status.UNAVAILABLE && status != Status.RETRY;
    }

    /** For {@link Status#RETRY}: whether the credentials were refused (retried within the longer auth budget). */
    public boolean accessRefused() {
      return LlmCallException.Kind.UNAUTHORIZED.tag.equals(errorKind);
    }
  }

  private final LlmConfig config;
  private final PromptBuilder prompts;
  private final ChatCompletionsClient client;
  private final AnswerValidator validator = new AnswerValidator();
  private final Phase2Labels labels;
  private final RecordingTextSource recordings;
  private final LlmMetrics metrics;
  private final Clock clock;

  public EscalationScorer(LlmConfig config, ChatCompletionsClient client, RecordingTextSource recordings,
      LlmMetrics metrics, Clock clock) {
    this.config = config;
    this.prompts = new PromptBuilder(new SecretRedactor(), config.maxNotableEvents(), config.ptyMaxChars());
    this.client = client;
    this.labels = new Phase2Labels(config.stage(), config.model());
    this.recordings = recordings;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** @throws IllegalArgumentException when the escalation names no session (the caller dead-letters it) */
  public Outcome score(Escalation esc) {
    if (esc.getSessionId().isEmpty()) {
      throw new IllegalArgumentException("escalation without session_id");
    }
    PromptBuilder.Prompt prompt = prompts.build(esc, ptyText(esc));
    metrics.redacted(prompt.redactions());
    Completion answer;
    try {
      answer = client.complete(prompt);
    } catch (LlmCallException e) {
      metrics.error(e.kind().tag);
      String reason = "model call failed (" + e.kind().tag + ", " + e.attempts() + " attempts): " + e.getMessage();
      log.warn("session {}: {}", esc.getSessionId(), reason);
      return failed(esc, e.kind() == LlmCallException.Kind.CLIENT_ERROR ? Status.UNAVAILABLE : Status.RETRY, reason,
          e.kind().tag);
    }
    try {
      AnswerValidator.Answer a = validator.validate(answer);
      return new Outcome(verdict(esc, labels.ok(a, clock.millis())), Status.OK, null, null);
    } catch (AnswerValidator.InvalidAnswerException e) {
      metrics.error(e.kind());
      log.warn("session {}: rejected model answer: {}", esc.getSessionId(), e.getMessage());
      return failed(esc, Status.INVALID_ANSWER, e.getMessage(), e.kind());
    }
  }

  /** The outcome of an escalation whose retries are spent: error labels and a dead letter with {@code reason}. */
  public Outcome gaveUp(Escalation esc, String reason) {
    return failed(esc, Status.UNAVAILABLE, reason, "retries_exhausted");
  }

  private Outcome failed(Escalation esc, Status status, String reason, String kind) {
    return new Outcome(verdict(esc, labels.error(reason, clock.millis())), status, reason, kind);
  }

  /** Terminal text, only when both the deployment and the escalation allow it; null otherwise. */
  private String ptyText(Escalation esc) {
    if (!config.ptyContent() || !esc.getPtyContentAllowed() || esc.getRecordingUri().isEmpty()) {
      return null;
    }
    try {
      Optional<String> text = recordings.text(esc.getRecordingUri(), PTY_READ_LIMIT);
      if (text.isEmpty()) {
        metrics.error("pty_unsupported_uri");
      }
      return text.orElse(null);
    } catch (IOException | RuntimeException e) {
      metrics.error("pty_fetch");
      log.warn("session {}: cannot read recording for content review: {}", esc.getSessionId(), e.getMessage());
      return null;
    }
  }

  private SessionVerdict verdict(Escalation esc, List<Label> stamped) {
    // an agent CLI seen on the node (phase 1, from BPF events) is an observation; the model's reading of the
    // recording does not replace it (its newer stamp would win in sessions.sqlite)
    boolean observedTool = esc.getLabelsList().stream().anyMatch(l -> l.getKey().equals(Phase2Labels.AGENT_TOOL)
        && l.getSetBy().startsWith("phase1-"));
    List<Label> labels = observedTool ? stamped.stream().filter(l -> !l.getKey().equals(Phase2Labels.AGENT_TOOL)
        && !l.getKey().equals(Phase2Labels.CONFIDENCE_AGENT_TOOL)).toList() : stamped;
    return SessionVerdict.newBuilder()
        .setSessionId(esc.getSessionId())
        .setSubstrate(esc.getFeatures().getSubstrate())
        .addAllLabels(labels)
        .setStage(config.stage())
        .setEmittedAtMs(clock.millis())
        .build();
  }
}
