package dev.whodrove.decoder;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.RetryBudget;
import dev.whodrove.runtime.ServiceConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The recording-decoder's settings, read once from {@link ServiceConfig}. Its own keys start with {@code decoder.};
 * every key is documented in the module's README (the one place they are listed).
 */
public record DecoderConfig(
    String groupId,
    String transactionalId,
    int maxPollRecords,
    Duration transactionTimeout,
    Duration commitAfter,
    RecordingDecoder.Settings decode,
    List<Path> fileRoots,
    List<S3RecordingStore.Allowed> s3Allowed,
    S3RecordingStore.Settings s3,
    Duration retryInitial,
    Duration retryMax,
    RetryBudget retryBudget,
    Duration readTimeout,
    double transactionDeadlineFraction,
    GcsRecordingStore.Settings gcs,
    int partThreads,
    long partsMinBytes) {

  public static final String PREFIX = "decoder.";
  public static final String GROUP_ID = "decoder.group.id";
  public static final String TRANSACTIONAL_ID = "kafka.transactional.id";
  public static final String MAX_POLL_RECORDS = "kafka.max.poll.records";
  public static final String TRANSACTION_TIMEOUT = "decoder.transaction.timeout";
  public static final String COMMIT_AFTER = "decoder.transaction.commit.after";
  public static final String PRINT_PAYLOAD = "decoder.print.payload";
  public static final String INCLUDE_DECODE_MS = "decoder.complete.include.decode.ms";
  public static final String MAX_DECOMPRESSED_BYTES = "decoder.max.decompressed.bytes";
  public static final String MAX_PARTS = "decoder.max.parts";
  /** The recording stores' keys ({@code decoder.store.file.roots}, {@code decoder.store.s3.*}, …). */
  public static final String STORE_PREFIX = "decoder.store.";
  public static final String FILE_ROOTS = STORE_PREFIX + "file.roots";
  public static final String S3_ALLOW = STORE_PREFIX + "s3.allow";
  public static final String S3_REGION = STORE_PREFIX + "s3.region";
  public static final String S3_ENDPOINT = STORE_PREFIX + "s3.endpoint";
  public static final String S3_PATH_STYLE = STORE_PREFIX + "s3.path.style";
  public static final String S3_ACCESS_KEY = STORE_PREFIX + "s3.access.key";
  public static final String S3_SECRET_KEY = STORE_PREFIX + "s3.secret.key";
  public static final String S3_MAX_ATTEMPTS = STORE_PREFIX + "s3.max.attempts";
  public static final String GCS_ALLOW = STORE_PREFIX + "gcs.allow";
  public static final String GCS_ENDPOINT = STORE_PREFIX + "gcs.endpoint";
  public static final String GCS_ANONYMOUS = STORE_PREFIX + "gcs.anonymous";
  public static final String GCS_CREDENTIALS_FILE = STORE_PREFIX + "gcs.credentials.file";
  public static final String GCS_PROJECT = STORE_PREFIX + "gcs.project";
  public static final String GCS_MAX_ATTEMPTS = STORE_PREFIX + "gcs.max.attempts";
  public static final String RETRY_INITIAL = STORE_PREFIX + "retry.initial";
  public static final String RETRY_MAX = STORE_PREFIX + "retry.max";
  /** Prefix of the retry budget keys ({@code …max.attempts}, {@code …max.elapsed}, {@code …auth.max.elapsed}). */
  public static final String RETRY_BUDGET_PREFIX = STORE_PREFIX + "retry.";
  public static final String READ_TIMEOUT = STORE_PREFIX + "read.timeout";
  public static final String TRANSACTION_DEADLINE_FRACTION = PREFIX + "transaction.deadline.fraction";
  public static final String PARTS_THREADS = PREFIX + "parts.threads";
  public static final String PARTS_MIN_BYTES = PREFIX + "parts.min.bytes";

  /**
   * Spellings before the {@code decoder.} prefix, accepted for one release (see
   * {@link ServiceConfig#withRenamedKeys}).
   */
  public static final Map<String, String> RENAMED_KEYS = Map.of(
      "kafka.group.id", GROUP_ID,
      "transaction.", PREFIX + "transaction.",
      "print.payload", PRINT_PAYLOAD,
      "complete.include.decode.ms", INCLUDE_DECODE_MS,
      "decode.max.", PREFIX + "max.",
      "store.", STORE_PREFIX);

  public static DecoderConfig from(ServiceConfig cfg) {
    PrintPayload payload;
    try {
      payload = PrintPayload.parse(cfg.get(PRINT_PAYLOAD, "derived"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("invalid config " + PRINT_PAYLOAD + "=" + cfg.get(PRINT_PAYLOAD, "") + " ("
          + ServiceConfig.keyToEnv(PRINT_PAYLOAD) + "): expected derived or raw");
    }
    DecodeLimits limits = new DecodeLimits(
        cfg.getLong(MAX_DECOMPRESSED_BYTES, DecodeLimits.DEFAULT_MAX_DECOMPRESSED_BYTES),
        cfg.getInt(MAX_PARTS, DecodeLimits.DEFAULT_MAX_PARTS), -1);
    String endpoint = cfg.get(S3_ENDPOINT, "");
    URI endpointUri = null;
    if (!endpoint.isBlank()) {
      try {
        endpointUri = new URI(endpoint.trim());
      } catch (URISyntaxException e) {
        throw new ConfigException("invalid config " + S3_ENDPOINT + "=" + endpoint + " ("
            + ServiceConfig.keyToEnv(S3_ENDPOINT) + "): expected a URL");
      }
    }
    Duration readTimeout = cfg.getDuration(READ_TIMEOUT, Duration.ofMinutes(10));
    if (readTimeout.isZero() || readTimeout.isNegative()) {
      throw new ConfigException("invalid config " + READ_TIMEOUT + "=" + cfg.get(READ_TIMEOUT, "") + " ("
          + ServiceConfig.keyToEnv(READ_TIMEOUT) + "): expected a positive duration");
    }
    double fraction = cfg.getDouble(TRANSACTION_DEADLINE_FRACTION, 0.8);
    if (!(fraction > 0 && fraction <= 1)) {
      throw new ConfigException("invalid config " + TRANSACTION_DEADLINE_FRACTION + "=" + fraction + " ("
          + ServiceConfig.keyToEnv(TRANSACTION_DEADLINE_FRACTION) + "): expected a number above 0, at most 1");
    }
    return new DecoderConfig(
        cfg.get(GROUP_ID, "recording-decoder"),
        cfg.get(TRANSACTIONAL_ID, "recording-decoder-" + hostname()),
        cfg.getInt(MAX_POLL_RECORDS, 200),
        cfg.getDuration(TRANSACTION_TIMEOUT, Duration.ofMinutes(15)),
        cfg.getDuration(COMMIT_AFTER, Duration.ofMillis(100)),
        new RecordingDecoder.Settings(limits, payload, cfg.getBoolean(INCLUDE_DECODE_MS, false)),
        list(cfg.get(FILE_ROOTS, "")).stream().map(Path::of).toList(),
        list(cfg.get(S3_ALLOW, "")).stream().map(S3RecordingStore.Allowed::parse).toList(),
        new S3RecordingStore.Settings(
            cfg.get(S3_REGION, "us-east-1"),
            endpointUri,
            cfg.getBoolean(S3_PATH_STYLE, endpointUri != null),
            cfg.get(S3_ACCESS_KEY, ""),
            cfg.get(S3_SECRET_KEY, ""),
            cfg.getInt(S3_MAX_ATTEMPTS, 5)),
        cfg.getDuration(RETRY_INITIAL, Duration.ofSeconds(1)),
        cfg.getDuration(RETRY_MAX, Duration.ofMinutes(1)),
        RetryBudget.from(cfg, RETRY_BUDGET_PREFIX),
        readTimeout,
        fraction,
        gcs(cfg, readTimeout),
        atLeast(cfg, PARTS_THREADS, Math.min(4, Runtime.getRuntime().availableProcessors()), 1),
        atLeast(cfg, PARTS_MIN_BYTES, 64L << 20, 0));
  }

  private static int atLeast(ServiceConfig cfg, String key, int dflt, int min) {
    return (int) atLeast(cfg, key, (long) dflt, min);
  }

  private static long atLeast(ServiceConfig cfg, String key, long dflt, long min) {
    long v = cfg.getLong(key, dflt);
    if (v < min) {
      throw new ConfigException("invalid config " + key + "=" + v + " (" + ServiceConfig.keyToEnv(key)
          + "): expected at least " + min);
    }
    return v;
  }

  private static GcsRecordingStore.Settings gcs(ServiceConfig cfg, Duration readTimeout) {
    String endpoint = cfg.get(GCS_ENDPOINT, "").trim();
    if (!endpoint.isEmpty()) {
      URI u;
      try {
        u = new URI(endpoint);
      } catch (URISyntaxException e) {
        u = null;
      }
      if (u == null || u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
        throw new ConfigException("invalid config " + GCS_ENDPOINT + "=" + endpoint + " ("
            + ServiceConfig.keyToEnv(GCS_ENDPOINT) + "): expected an http:// or https:// URL");
      }
    }
    String credentials = cfg.get(GCS_CREDENTIALS_FILE, "").trim();
    return new GcsRecordingStore.Settings(
        list(cfg.get(GCS_ALLOW, "")).stream().map(e -> BucketPrefix.parse(e, "gs")).toList(),
        endpoint.isEmpty() ? null : endpoint,
        // a plain-http endpoint is an emulator or a test server: nothing to authenticate to
        cfg.getBoolean(GCS_ANONYMOUS, endpoint.startsWith("http://")),
        credentials.isEmpty() ? null : credentials,
        cfg.get(GCS_PROJECT, "").trim().isEmpty() ? null : cfg.get(GCS_PROJECT, "").trim(),
        cfg.getInt(GCS_MAX_ATTEMPTS, 5),
        readTimeout); // the client's own retries stop where the decoder's read deadline would cut them off
  }

  private static List<String> list(String csv) {
    List<String> out = new ArrayList<>();
    Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(out::add);
    return out;
  }

  private static String hostname() {
    String h = System.getenv("HOSTNAME");
    if (h != null && !h.isBlank()) {
      return h;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "local";
    }
  }
}
