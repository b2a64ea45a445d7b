package dev.whodrove.llm;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.schemas.Topics;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * Settings of the phase-2 scorer, read once from {@link ServiceConfig}. Its own keys start with {@code llm.}; the
 * README's config table documents every key; the constants below are the keys.
 */
public record LlmConfig(
    URI baseUrl,
    String model,
    String apiKey,
    String version,
    Duration connectTimeout,
    Duration requestTimeout,
    int retries,
    Duration backoffInitial,
    Duration backoffMax,
    Duration retryAfterMax,
    int concurrency,
    long tokensPerMinute,
    long dailyCallCap,
    int maxOutputTokens,
    String responseFormat,
    boolean ptyContent,
    int ptyMaxChars,
    int maxNotableEvents,
    String completedTopic,
    String groupId) {

  /** Prefix of the scorer's own keys. */
  public static final String PREFIX = "llm.";
  public static final String BASE_URL = "llm.base.url";
  public static final String MODEL = "llm.model";
  public static final String API_KEY = "llm.api.key";
  public static final String VERSION = "llm.version";
  public static final String CONNECT_TIMEOUT = "llm.connect.timeout";
  public static final String REQUEST_TIMEOUT = "llm.request.timeout";
  public static final String RETRIES = "llm.retries";
  public static final String BACKOFF_INITIAL = "llm.backoff.initial";
  public static final String BACKOFF_MAX = "llm.backoff.max";
  public static final String RETRY_AFTER_MAX = "llm.retry.after.max";
  public static final String CONCURRENCY = "llm.concurrency";
  public static final String TOKENS_PER_MINUTE = "llm.tokens.per.minute";
  public static final String DAILY_CALL_CAP = "llm.daily.call.cap";
  public static final String MAX_OUTPUT_TOKENS = "llm.max.output.tokens";
  public static final String RESPONSE_FORMAT = "llm.response.format";
  public static final String PTY_CONTENT = "llm.pty.content";
  public static final String PTY_MAX_CHARS = "llm.pty.max.chars";
  public static final String MAX_NOTABLE = "llm.prompt.max.notable";
  public static final String COMPLETED_TOPIC = "llm.completed.topic";
  public static final String GROUP_ID = "llm.group.id";
  /**
   * Where terminal content may be read from: the recording decoder's store keys under the scorer's prefix
   * ({@code llm.store.file.roots}, {@code llm.store.s3.allow}, …), read by {@link StoreRecordingTextSource}.
   */
  public static final String STORE_PREFIX = "llm.store.";

  /** Spellings before the store keys took the {@code llm.} prefix, accepted for one release. */
  public static final Map<String, String> RENAMED_KEYS = Map.of("store.", STORE_PREFIX);

  /** Conventional environment variable of OpenAI-compatible clients, used when {@value #API_KEY} is not set. */
  public static final String OPENAI_API_KEY_ENV = "OPENAI_API_KEY";

  public static final String FORMAT_JSON_SCHEMA = "json_schema";
  public static final String FORMAT_JSON_OBJECT = "json_object";

  public static LlmConfig from(ServiceConfig cfg) {
    String base = cfg.get(BASE_URL, "http://127.0.0.1:11434/v1");
    URI baseUrl;
    try {
      baseUrl = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
      if (baseUrl.getScheme() == null || !baseUrl.getScheme().startsWith("http")) {
        throw new IllegalArgumentException("not http(s)");
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException("invalid config " + BASE_URL + "=" + base + " (" + ServiceConfig.keyToEnv(BASE_URL)
          + "): expected an http(s) URL");
    }
    String apiKey = cfg.get(API_KEY, System.getenv(OPENAI_API_KEY_ENV));
    String format = cfg.get(RESPONSE_FORMAT, FORMAT_JSON_SCHEMA);
    if (!format.equals(FORMAT_JSON_SCHEMA) && !format.equals(FORMAT_JSON_OBJECT)) {
      throw new ConfigException("invalid config " + RESPONSE_FORMAT + "=" + format + " ("
          + ServiceConfig.keyToEnv(RESPONSE_FORMAT) + "): expected json_schema or json_object");
    }
    LlmConfig c = new LlmConfig(
        baseUrl,
        cfg.require(MODEL),
        apiKey == null || apiKey.isBlank() ? null : apiKey.trim(),
        cfg.get(VERSION, "v1"),
        cfg.getDuration(CONNECT_TIMEOUT, Duration.ofSeconds(5)),
        cfg.getDuration(REQUEST_TIMEOUT, Duration.ofSeconds(60)),
        cfg.getInt(RETRIES, 3),
        cfg.getDuration(BACKOFF_INITIAL, Duration.ofMillis(500)),
        cfg.getDuration(BACKOFF_MAX, Duration.ofSeconds(30)),
        cfg.getDuration(RETRY_AFTER_MAX, Duration.ofSeconds(120)),
        cfg.getInt(CONCURRENCY, 2),
        cfg.getLong(TOKENS_PER_MINUTE, 60_000),
        cfg.getLong(DAILY_CALL_CAP, 1000),
        cfg.getInt(MAX_OUTPUT_TOKENS, 400),
        format,
        cfg.getBoolean(PTY_CONTENT, false),
        cfg.getInt(PTY_MAX_CHARS, 4000),
        cfg.getInt(MAX_NOTABLE, 25),
        cfg.get(COMPLETED_TOPIC, Topics.LLM_COMPLETED_DEFAULT_NAME),
        cfg.get(GROUP_ID, "llm-scorer"));
    c.check(RETRIES, c.retries >= 0);
    c.check(CONCURRENCY, c.concurrency >= 1);
    c.check(TOKENS_PER_MINUTE, c.tokensPerMinute >= 0);
    c.check(DAILY_CALL_CAP, c.dailyCallCap >= 0);
    c.check(MAX_OUTPUT_TOKENS, c.maxOutputTokens >= 16);
    c.check(PTY_MAX_CHARS, c.ptyMaxChars >= 0);
    c.check(REQUEST_TIMEOUT, !c.requestTimeout.isNegative() && !c.requestTimeout.isZero());
    return c;
  }

  private void check(String key, boolean ok) {
    if (!ok) {
      throw new ConfigException("invalid config " + key + " (" + ServiceConfig.keyToEnv(key) + "): out of range");
    }
  }

  /** The stage / set_by of everything this scorer stamps, e.g. {@code phase2-llm@v1}. */
  public String stage() {
    return "phase2-llm@" + version;
  }

  /** Longest time one escalation can spend in the client: every attempt timing out plus the longest waits between. */
  public Duration worstCaseCall() {
    Duration wait = backoffMax.compareTo(retryAfterMax) > 0 ? backoffMax : retryAfterMax;
    return requestTimeout.plus(connectTimeout).multipliedBy(retries + 1L).plus(wait.multipliedBy(retries));
  }

  /** For logs: everything useful, never the API key. */
  @Override
  public String toString() {
    return "LlmConfig[baseUrl=" + baseUrl + ", model=" + model + ", apiKey=" + (apiKey == null ? "none" : "***")
        + ", version=" + version + ", concurrency=" + concurrency + ", tpm=" + tokensPerMinute
        + ", dailyCap=" + dailyCallCap + ", ptyContent=" + ptyContent + "]";
  }
}
