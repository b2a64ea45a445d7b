package dev.whodrove.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.whodrove.schemas.redact.SecretRedactor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChatCompletionsClientTest {
  private FakeChatServer server;
  private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  private final PromptBuilder.Prompt prompt =
      new PromptBuilder(new SecretRedactor(), 25, 4000).build(Fixtures.escalation("s-1"), null);

  @BeforeEach
  void startServer() throws Exception {
    server = new FakeChatServer();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private ChatCompletionsClient client(Map<String, String> extra) {
    LlmConfig cfg = Fixtures.config(server.baseUrl(), extra);
    TokenBudget budget = new TokenBudget(cfg.tokensPerMinute(), TokenBudget.Clock.SYSTEM);
    return new ChatCompletionsClient(cfg, budget, LlmMetrics.noop(budget), sleeps::add);
  }

  @Test
  void happyPathSendsAStrictSchemaAtTemperatureZero() throws Exception {
    Completion c = client(Map.of()).complete(prompt);

    assertThat(c.content()).contains("\"agent_tool\":\"claude-code\"");
    assertThat(c.totalTokens()).isEqualTo(560);
    assertThat(server.requests).hasSize(1);
    FakeChatServer.Request req = server.requests.get(0);
    assertThat(req.path()).isEqualTo("/v1/chat/completions");
    assertThat(req.authorization()).isEqualTo("Bearer sk-test-key");
    JsonNode body = FakeChatServer.JSON.readTree(req.body());
    assertThat(body.path("model").asText()).isEqualTo("test-model");
    assertThat(body.path("temperature").asDouble()).isZero();
    assertThat(body.path("messages").size()).isEqualTo(2);
    JsonNode format = body.path("response_format");
    assertThat(format.path("type").asText()).isEqualTo("json_schema");
    assertThat(format.path("json_schema").path("strict").asBoolean()).isTrue();
    JsonNode schema = format.path("json_schema").path("schema");
    assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
    assertThat(schema.path("required").size()).isEqualTo(AnswerSchema.FIELDS.size());
    assertThat(schema.path("properties").path("agent_tool").path("enum").toString())
        .isEqualTo("[\"claude-code\",\"codex\",\"gemini-cli\",\"cursor\",\"terminus\",\"other\",\"unknown\"]");
    assertThat(schema.path("properties").path("work_kind").path("enum").toString())
        .isEqualTo("[\"deploy\",\"debug\",\"exploration\",\"automation\",\"data-exfil\",\"unknown\"]");
    assertThat(sleeps).isEmpty();
  }

  @Test
  void a429WaitsForRetryAfterThenSucceeds() throws Exception {
    server.then(FakeChatServer.status(429, Map.of("Retry-After", "7")));
    Completion c = client(Map.of()).complete(prompt);
    assertThat(c.attempts()).isEqualTo(2);
    assertThat(server.requests).hasSize(2);
    assertThat(sleeps).containsExactly(Duration.ofSeconds(7));
  }

  @Test
  void retryAfterIsCapped() throws Exception {
    server.then(FakeChatServer.status(503, Map.of("Retry-After", "86400")));
    client(Map.of(LlmConfig.RETRY_AFTER_MAX, "30s")).complete(prompt);
    assertThat(sleeps).containsExactly(Duration.ofSeconds(30));
  }

  @Test
  void aTimeoutIsRetriedWithBackoff() throws Exception {
    server.then(FakeChatServer.slow(FakeChatServer.ok("{}"), 1500));
    Completion c = client(Map.of(LlmConfig.REQUEST_TIMEOUT, "300ms")).complete(prompt);
    assertThat(c.attempts()).isEqualTo(2);
    assertThat(c.content()).contains("claude-code");
    assertThat(sleeps).hasSize(1);
    assertThat(sleeps.get(0)).isBetween(Duration.ofMillis(5), Duration.ofMillis(10));
  }

  @Test
  void persistentTimeoutsEndAfterTheRetryBudget() {
    server.always(FakeChatServer.slow(FakeChatServer.ok("{}"), 1500));
    assertThatThrownBy(() -> client(Map.of(LlmConfig.REQUEST_TIMEOUT, "200ms", LlmConfig.RETRIES, "2")).complete(prompt))
        .isInstanceOfSatisfying(LlmCallException.class, e -> {
          assertThat(e.kind()).isEqualTo(LlmCallException.Kind.TIMEOUT);
          assertThat(e.attempts()).isEqualTo(3);
        });
    assertThat(sleeps).hasSize(2);
    // exponential: the second wait is drawn from a range twice as high
    assertThat(sleeps.get(1)).isBetween(Duration.ofMillis(10), Duration.ofMillis(20));
  }

  @Test
  void clientErrorsAreNotRetried() {
    server.then(FakeChatServer.status(400, Map.of()));
    assertThatThrownBy(() -> client(Map.of()).complete(prompt))
        .isInstanceOfSatisfying(LlmCallException.class,
            e -> assertThat(e.kind()).isEqualTo(LlmCallException.Kind.CLIENT_ERROR))
        .hasMessageContaining("HTTP 400");
    assertThat(server.requests).hasSize(1);
  }

  @Test
  void refusedCredentialsAreNotRetriedHereAndSaySo() {
    server.then(FakeChatServer.status(401, Map.of()));
    assertThatThrownBy(() -> client(Map.of()).complete(prompt))
        .isInstanceOfSatisfying(LlmCallException.class,
            e -> assertThat(e.kind()).isEqualTo(LlmCallException.Kind.UNAUTHORIZED))
        .hasMessageContaining("HTTP 401");
    assertThat(server.requests).hasSize(1);
  }

  @Test
  void backoffGrowsAndIsCapped() {
    ChatCompletionsClient c = client(Map.of(LlmConfig.BACKOFF_INITIAL, "100ms", LlmConfig.BACKOFF_MAX, "1s"));
    for (int i = 0; i < 20; i++) {
      assertThat(c.backoff(1)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
      assertThat(c.backoff(3)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
      assertThat(c.backoff(10)).isBetween(Duration.ofMillis(500), Duration.ofMillis(1000));
    }
  }
}
