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
import org.junit.jupiter.api.Timeout;

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

  /** Server faults: each attempt ends within the request timeout and keeps at most the body limit in memory. */
  @Test
  @Timeout(20)
  void aServerThatNeverAnswersTimesOutWithinTheRequestTimeout() {
    server.then(FakeChatServer.fault(FakeChatServer.Fault.HANG));
    long started = System.nanoTime();
    assertThatThrownBy(() -> client(Map.of(LlmConfig.REQUEST_TIMEOUT, "500ms", LlmConfig.RETRIES, "0"))
        .complete(prompt)).isInstanceOfSatisfying(LlmCallException.class,
            e -> assertThat(e.kind()).isEqualTo(LlmCallException.Kind.TIMEOUT));
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
  }

  @Test
  @Timeout(20) // a client without a whole-answer deadline would hang here, not fail
  void aBodyThatStallsAfterTheHeadersTimesOutWithinTheRequestTimeout() {
    server.then(FakeChatServer.fault(FakeChatServer.Fault.STALL_BODY));
    long started = System.nanoTime();
    assertThatThrownBy(() -> client(Map.of(LlmConfig.REQUEST_TIMEOUT, "500ms", LlmConfig.RETRIES, "0"))
        .complete(prompt)).isInstanceOfSatisfying(LlmCallException.class, e -> {
          assertThat(e.kind()).isEqualTo(LlmCallException.Kind.TIMEOUT);
          assertThat(e).hasMessageContaining("no complete answer within 500 ms");
        });
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
  }

  @Test
  @Timeout(20)
  void aTenMiBBodyIsRefusedAtTheLimitWhetherItsLengthIsDeclaredOrNot() {
    for (FakeChatServer.Fault huge : List.of(FakeChatServer.Fault.HUGE_BODY, FakeChatServer.Fault.HUGE_CHUNKED_BODY)) {
      server.then(FakeChatServer.fault(huge));
      long before = allThreadsAllocated();
      assertThatThrownBy(() -> client(Map.of(LlmConfig.RETRIES, "0")).complete(prompt)).as(huge.toString())
          .isInstanceOfSatisfying(LlmCallException.class, e -> {
            assertThat(e.kind()).isEqualTo(LlmCallException.Kind.BAD_RESPONSE);
            assertThat(e).hasMessageContaining("response body").hasMessageContaining("1048576 bytes");
          });
      // the whole JVM, server included, allocated well under the 10 MiB offered: the body was not kept
      assertThat(allThreadsAllocated() - before).as(huge.toString()).isLessThan(6L << 20);
    }
  }

  @Test
  @Timeout(20)
  void garbageAndHugeBodiesAreRetriedAndTheRecoveredServerAnswers() throws Exception {
    server.then(new FakeChatServer.Reply(200, "<html><body>502 Bad Gateway</body></html>", Map.of(), 0))
        .then(FakeChatServer.fault(FakeChatServer.Fault.HUGE_CHUNKED_BODY))
        .then(FakeChatServer.fault(FakeChatServer.Fault.STALL_BODY));
    Completion c = client(Map.of(LlmConfig.REQUEST_TIMEOUT, "500ms")).complete(prompt);
    assertThat(c.attempts()).isEqualTo(4); // the default budget: the first attempt and three retries
    assertThat(c.content()).contains("claude-code");
    assertThat(server.requests).hasSize(4);
    assertThat(sleeps).hasSize(3);
  }

  @Test
  void theBodyLimitCancelsTheSubscriptionAndKeepsNothing() {
    BoundedBody body = new BoundedBody(ChatCompletionsClient.MAX_RESPONSE_BYTES, -1);
    long[] requested = new long[1];
    boolean[] cancelled = new boolean[1];
    body.onSubscribe(new java.util.concurrent.Flow.Subscription() {
      @Override
      public void request(long n) {
        requested[0] += n;
      }

      @Override
      public void cancel() {
        cancelled[0] = true;
      }
    });
    int delivered = 0;
    while (!cancelled[0] && delivered < 160) {
      body.onNext(List.of(java.nio.ByteBuffer.allocate(64 * 1024)));
      delivered++;
    }
    assertThat(cancelled[0]).isTrue();
    assertThat(delivered).isEqualTo(17); // the 17th buffer would pass 1 MiB
    assertThat(body.getBody().toCompletableFuture()).isCompletedExceptionally();
    BoundedBody declared = new BoundedBody(ChatCompletionsClient.MAX_RESPONSE_BYTES, 10L << 20);
    boolean[] declaredCancelled = new boolean[1];
    declared.onSubscribe(new java.util.concurrent.Flow.Subscription() {
      @Override
      public void request(long n) {
        throw new AssertionError("a body declared too large is not read");
      }

      @Override
      public void cancel() {
        declaredCancelled[0] = true;
      }
    });
    assertThat(declaredCancelled[0]).isTrue();
  }

  /** Heap allocated so far by the live threads (the client's and the server's are pooled and live on). */
  private static long allThreadsAllocated() {
    var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long b : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      sum += Math.max(0, b);
    }
    return sum;
  }
}
