package dev.whodrove.llm;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The scorer's meters, all named {@code whodrove.llm.*} (Prometheus names in brackets): model calls
 * [whodrove_llm_calls_total{result}], HTTP attempts [whodrove_llm_requests_total{status}], call latency
 * [whodrove_llm_call_latency_seconds], tokens [whodrove_llm_tokens_total{type}], errors by kind
 * [whodrove_llm_errors_total{kind}], escalations by outcome [whodrove_llm_escalations_total{outcome}], redactions
 * [whodrove_llm_redactions_total], and gauges for calls in flight, calls waiting for the token budget,
 * calls made today and whether input waits for the daily cap [whodrove_llm_waiting_for_budget].
 */
public final class LlmMetrics {
  private final MeterRegistry registry;
  private final Timer latency;
  private final Counter promptTokens;
  private final Counter completionTokens;
  private final Counter redactions;
  public final AtomicLong inFlight = new AtomicLong();
  public final AtomicLong waitingForBudget = new AtomicLong();
  public final AtomicLong callsToday = new AtomicLong();

  public LlmMetrics(MeterRegistry registry, TokenBudget budget) {
    this.registry = registry;
    this.latency = Timer.builder("whodrove.llm.call.latency").description("Model call time including retries")
        .publishPercentileHistogram().register(registry);
    this.promptTokens = Counter.builder("whodrove.llm.tokens").tag("type", "prompt").register(registry);
    this.completionTokens = Counter.builder("whodrove.llm.tokens").tag("type", "completion").register(registry);
    this.redactions = Counter.builder("whodrove.llm.redactions").description("Secrets redacted from prompts")
        .register(registry);
    Gauge.builder("whodrove.llm.in.flight", inFlight, AtomicLong::get).register(registry);
    Gauge.builder("whodrove.llm.waiting.for.budget", waitingForBudget, AtomicLong::get)
        .description("1 while input is paused because the daily call cap is reached").register(registry);
    Gauge.builder("whodrove.llm.calls.today", callsToday, AtomicLong::get).register(registry);
    Gauge.builder("whodrove.llm.waiting.for.tokens", budget, TokenBudget::waiting)
        .description("Calls waiting for room in the tokens-per-minute budget").register(registry);
  }

  /** For tests and tools without a registry of their own. */
  public static LlmMetrics noop(TokenBudget budget) {
    return new LlmMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), budget);
  }

  public void call(String result, Duration took) {
    registry.counter("whodrove.llm.calls", "result", result).increment();
    latency.record(took);
  }

  public void request(String status) {
    registry.counter("whodrove.llm.requests", "status", status).increment();
  }

  public void tokens(long prompt, long completion) {
    if (prompt > 0) {
      promptTokens.increment(prompt);
    }
    if (completion > 0) {
      completionTokens.increment(completion);
    }
  }

  public void error(String kind) {
    registry.counter("whodrove.llm.errors", "kind", kind).increment();
  }

  public void escalation(String outcome) {
    registry.counter("whodrove.llm.escalations", "outcome", outcome).increment();
  }

  public void redacted(int n) {
    if (n > 0) {
      redactions.increment(n);
    }
  }

  public MeterRegistry registry() {
    return registry;
  }
}
