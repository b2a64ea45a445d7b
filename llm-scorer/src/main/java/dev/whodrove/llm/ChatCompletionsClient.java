package dev.whodrove.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimal client of the OpenAI-compatible {@code POST {base}/chat/completions} endpoint (OpenAI, vLLM, Ollama,
 * LiteLLM and friends). One call = one request at temperature 0 with a strict JSON response schema, made under a
 * concurrency limit and a tokens-per-minute budget, retried on timeouts, 429 and 5xx with exponential backoff and
 * jitter, honouring {@code Retry-After}. Other 4xx answers are not retried: asking again would not help.
 *
 * <p>Each attempt is bounded in time and memory whatever the server does: {@code llm.request.timeout} covers the
 * whole answer, body included (the JDK client's own timeout stops at the headers, so a server that sends headers and
 * then stalls would hold the call forever), and at most {@link #MAX_RESPONSE_BYTES} of a body are kept. A 200 whose
 * body is not a chat completion (garbage from a proxy, a body cut short, one over the limit) is a server fault and
 * retried like a 5xx; what the model itself says is judged later, by {@link AnswerValidator}.
 */
public final class ChatCompletionsClient {
  private static final Logger log = LoggerFactory.getLogger(ChatCompletionsClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Largest response body read: an answer is a few KiB (at most {@code llm.max.output.tokens} tokens). */
  public static final int MAX_RESPONSE_BYTES = 1 << 20;

  /** Waits between attempts; replaceable in tests. */
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;

    Sleeper REAL = d -> Thread.sleep(Math.max(0, d.toMillis()));
  }

  private final LlmConfig config;
  private final HttpClient http;
  private final URI endpoint;
  private final Semaphore slots;
  private final TokenBudget budget;
  private final LlmMetrics metrics;
  private final Sleeper sleeper;

  public ChatCompletionsClient(LlmConfig config, TokenBudget budget, LlmMetrics metrics, Sleeper sleeper) {
    this.config = config;
    this.http = HttpClient.newBuilder()
        .connectTimeout(config.connectTimeout())
        .version(HttpClient.Version.HTTP_1_1)
        .build();
    this.endpoint = URI.create(config.baseUrl() + "/chat/completions");
    this.slots = new Semaphore(config.concurrency(), true);
    this.budget = budget;
    this.metrics = metrics;
    this.sleeper = sleeper;
  }

  /** Asks the model; returns its answer or throws once retries are spent. */
  public Completion complete(PromptBuilder.Prompt prompt) throws LlmCallException {
    byte[] body = requestBody(prompt);
    long estimate = prompt.estimatedInputTokens() + config.maxOutputTokens();
    int attempts = 0;
    long started = System.nanoTime();
    String result = "error";
    try {
      while (true) {
        attempts++;
        Attempt a = attempt(body, estimate, attempts);
        if (a.completion != null) {
          result = "ok";
          return a.completion;
        }
        if (!a.retryable || attempts > config.retries()) {
          throw a.failure;
        }
        Duration wait = a.retryAfter.orElseGet(() -> backoff(a.attempt));
        log.debug("model call attempt {} failed ({}), retrying in {} ms", a.attempt, a.failure.getMessage(),
            wait.toMillis());
        sleeper.sleep(wait);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LlmCallException(LlmCallException.Kind.INTERRUPTED, "interrupted", attempts, e);
    } finally {
      metrics.call(result, Duration.ofNanos(System.nanoTime() - started));
    }
  }

  /** Exponential backoff with jitter: a random wait in [d/2, d] where d = initial × 2^(attempt-1), capped. */
  Duration backoff(int attempt) {
    long base = config.backoffInitial().toMillis();
    long capped = Math.min(config.backoffMax().toMillis(), base << Math.min(20, attempt - 1));
    long jittered = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    return Duration.ofMillis(jittered);
  }

  private record Attempt(int attempt, Completion completion, LlmCallException failure, boolean retryable,
      Optional<Duration> retryAfter) {
    static Attempt ok(int attempt, Completion c) {
      return new Attempt(attempt, c, null, false, Optional.empty());
    }

    static Attempt fail(int attempt, LlmCallException e, boolean retryable, Optional<Duration> retryAfter) {
      return new Attempt(attempt, null, e, retryable, retryAfter);
    }
  }

  private Attempt attempt(byte[] body, long estimate, int attempt) throws InterruptedException {
    TokenBudget.Reservation reservation = budget.reserve(estimate);
    slots.acquire();
    metrics.inFlight.incrementAndGet();
    try {
      HttpRequest.Builder req = HttpRequest.newBuilder(endpoint)
          .timeout(config.requestTimeout())
          .header("Content-Type", "application/json")
          .header("Accept", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(body));
      if (config.apiKey() != null) {
        req.header("Authorization", "Bearer " + config.apiKey());
      }
      HttpResponse<byte[]> resp;
      CompletableFuture<HttpResponse<byte[]>> pending = http.sendAsync(req.build(),
          BoundedBody.handler(MAX_RESPONSE_BYTES));
      try {
        resp = pending.get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        pending.cancel(true); // closes the exchange: a stalled body must not keep the connection
        metrics.request("timeout");
        return Attempt.fail(attempt, new LlmCallException(LlmCallException.Kind.TIMEOUT,
            "no complete answer within " + config.requestTimeout().toMillis() + " ms", attempt, e), true,
            Optional.empty());
      } catch (InterruptedException e) {
        pending.cancel(true);
        throw e;
      } catch (ExecutionException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        BoundedBody.TooLarge tooLarge = causeOf(cause, BoundedBody.TooLarge.class);
        if (causeOf(cause, HttpTimeoutException.class) != null) {
          metrics.request("timeout");
          return Attempt.fail(attempt, new LlmCallException(LlmCallException.Kind.TIMEOUT,
              "no answer within " + config.requestTimeout().toMillis() + " ms", attempt, cause), true,
              Optional.empty());
        }
        if (tooLarge != null) {
          metrics.request("too_large");
          return Attempt.fail(attempt, new LlmCallException(LlmCallException.Kind.BAD_RESPONSE,
              tooLarge.getMessage() + " from " + endpoint, attempt, cause), true, Optional.empty());
        }
        metrics.request("io");
        return Attempt.fail(attempt, new LlmCallException(LlmCallException.Kind.IO,
            "cannot reach " + endpoint + ": " + cause, attempt, cause), true, Optional.empty());
      }
      int status = resp.statusCode();
      metrics.request(Integer.toString(status));
      if (status == 200) {
        try {
          Completion c = parse(resp.body(), attempt);
          budget.settle(reservation, c.totalTokens());
          metrics.tokens(c.promptTokens(), c.completionTokens());
          return Attempt.ok(attempt, c);
        } catch (IOException | RuntimeException e) {
          // not what a model server answers: a proxy's page, a body cut short; the next attempt may get a real one
          return Attempt.fail(attempt, new LlmCallException(LlmCallException.Kind.BAD_RESPONSE,
              "unreadable chat completion: " + e.getMessage(), attempt, e), true, Optional.empty());
        }
      }
      budget.settle(reservation, 0);
      String detail = "HTTP " + status + " from " + endpoint + ": " + snippet(resp.body());
      Optional<Duration> retryAfter = (status == 429 || status == 503)
          ? retryAfter(resp.headers().firstValue("Retry-After").orElse(null)) : Optional.empty();
      if (status == 429) {
        return Attempt.fail(attempt, new LlmCallException(LlmCallException.Kind.RATE_LIMITED, detail, attempt, null),
            true, retryAfter);
      }
      if (status >= 500 || status == 408) {
        return Attempt.fail(attempt, new LlmCallException(status == 408 ? LlmCallException.Kind.TIMEOUT
            : LlmCallException.Kind.SERVER_ERROR, detail, attempt, null), true, retryAfter);
      }
      if (status == 401 || status == 403) { // credentials refused: not retried here, the escalation is retried later
        return Attempt.fail(attempt, new LlmCallException(LlmCallException.Kind.UNAUTHORIZED, detail, attempt, null),
            false, Optional.empty());
      }
      return Attempt.fail(attempt, new LlmCallException(LlmCallException.Kind.CLIENT_ERROR, detail, attempt, null),
          false, Optional.empty());
    } finally {
      metrics.inFlight.decrementAndGet();
      slots.release();
    }
  }

  /** {@code t} or the first of its causes that is a {@code type}, else null (the client may wrap what it throws). */
  private static <T extends Throwable> T causeOf(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  /** The {@code Retry-After} wait (seconds or an HTTP date), capped by {@code llm.retry.after.max}. */
  Optional<Duration> retryAfter(String header) {
    if (header == null || header.isBlank()) {
      return Optional.empty();
    }
    Duration d;
    try {
      d = Duration.ofMillis((long) (Double.parseDouble(header.trim()) * 1000));
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        d = Duration.between(ZonedDateTime.now(at.getZone()), at);
      } catch (RuntimeException e2) {
        return Optional.empty();
      }
    }
    if (d.isNegative()) {
      d = Duration.ZERO;
    }
    return Optional.of(d.compareTo(config.retryAfterMax()) > 0 ? config.retryAfterMax() : d);
  }

  byte[] requestBody(PromptBuilder.Prompt prompt) {
    ObjectNode root = JSON.createObjectNode();
    root.put("model", config.model());
    var messages = root.putArray("messages");
    messages.addObject().put("role", "system").put("content", prompt.system());
    messages.addObject().put("role", "user").put("content", prompt.user());
    root.put("temperature", 0);
    root.put("max_tokens", config.maxOutputTokens());
    ObjectNode format = root.putObject("response_format");
    if (LlmConfig.FORMAT_JSON_OBJECT.equals(config.responseFormat())) {
      format.put("type", "json_object");
    } else {
      format.put("type", "json_schema");
      ObjectNode js = format.putObject("json_schema");
      js.put("name", AnswerSchema.NAME);
      js.put("strict", true);
      js.set("schema", AnswerSchema.schema());
    }
    try {
      return JSON.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode request", e);
    }
  }

  private static Completion parse(byte[] body, int attempts) throws IOException {
    JsonNode root = JSON.readTree(body);
    JsonNode choice = root.path("choices").path(0);
    if (choice.isMissingNode()) {
      throw new IOException("no choices in answer");
    }
    JsonNode msg = choice.path("message");
    JsonNode usage = root.path("usage");
    return new Completion(
        text(msg.get("content")),
        text(msg.get("refusal")),
        text(choice.get("finish_reason")),
        usage.path("prompt_tokens").asLong(-1),
        usage.path("completion_tokens").asLong(-1),
        usage.path("total_tokens").asLong(-1),
        attempts);
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }

  private static String snippet(byte[] body) {
    String s = new String(body, StandardCharsets.UTF_8).replace('\n', ' ');
    return s.length() <= 200 ? s : s.substring(0, 200) + "…";
  }
}
