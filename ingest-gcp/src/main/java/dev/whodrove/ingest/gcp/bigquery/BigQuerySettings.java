package dev.whodrove.ingest.gcp.bigquery;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.RetryBudget;
import dev.whodrove.runtime.ServiceConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The BigQuery source's settings, read once from the {@code gcp.bigquery.*} keys (README, Configuration).
 *
 * @param billingProject project the query jobs run in and are billed to
 * @param datasetProject project of the log sink's dataset
 * @param dataset the dataset the org-level log sink writes to
 * @param tables the sink's audit log tables (base names, without a date suffix)
 * @param layout how the tables are laid out: auto, partitioned or sharded
 * @param location job location (the dataset's), or null for BigQuery's default
 * @param maximumBytesBilled per query: a query that would bill more fails instead (and costs nothing)
 * @param pollInterval pause between polls
 * @param overlap each window re-reads this much before the previous end (rows the sink writes late)
 * @param maxWindow longest time range of one query
 * @param start where to start without a stored watermark
 * @param pageSize rows per result page
 * @param maxInFlight rows awaiting Kafka's acknowledgement at once
 * @param queryTimeout a query still running after this long is cancelled
 * @param backoffInitial first pause after a quota or transient failure
 * @param backoffMax longest such pause
 * @param retry how long refused access is retried ({@link RetryBudget#authMaxElapsed()}) before the source stops
 * @param watermarkTopic compacted topic of the watermarks (one per table)
 * @param maxRecentIds overlap ids kept per watermark
 * @param endpoint another BigQuery endpoint (root URL), or null; an {@code http://} one is used without credentials
 * @param credentialsFile service-account key JSON, or null for Application Default Credentials
 */
public record BigQuerySettings(String billingProject, String datasetProject, String dataset, List<String> tables,
    String layout, String location, long maximumBytesBilled, Duration pollInterval, Duration overlap,
    Duration maxWindow, Instant start, int pageSize, int maxInFlight, Duration queryTimeout, Duration backoffInitial,
    Duration backoffMax, RetryBudget retry, String watermarkTopic, int maxRecentIds, String endpoint,
    String credentialsFile) {

  public static final String PREFIX = "gcp.bigquery.";
  public static final String DATASET = "gcp.bigquery.dataset";
  public static final String PROJECT = "gcp.bigquery.project";
  public static final String TABLES = "gcp.bigquery.tables";
  public static final String LAYOUT = "gcp.bigquery.layout";
  public static final String LOCATION = "gcp.bigquery.location";
  public static final String MAXIMUM_BYTES_BILLED = "gcp.bigquery.maximum.bytes.billed";
  public static final String POLL_INTERVAL = "gcp.bigquery.poll.interval";
  public static final String OVERLAP = "gcp.bigquery.overlap";
  public static final String MAX_WINDOW = "gcp.bigquery.max.window";
  public static final String START = "gcp.bigquery.start";
  public static final String PAGE_SIZE = "gcp.bigquery.page.size";
  public static final String MAX_IN_FLIGHT = "gcp.bigquery.max.in.flight";
  public static final String QUERY_TIMEOUT = "gcp.bigquery.query.timeout";
  public static final String BACKOFF_INITIAL = "gcp.bigquery.backoff.initial";
  public static final String BACKOFF_MAX = "gcp.bigquery.backoff.max";
  public static final String RETRY_PREFIX = "gcp.bigquery.retry.";
  public static final String WATERMARK_TOPIC = "gcp.bigquery.watermark.topic";
  public static final String WATERMARK_MAX_IDS = "gcp.bigquery.watermark.max.ids";
  public static final String ENDPOINT = "gcp.bigquery.endpoint";
  public static final String CREDENTIALS_FILE = "gcp.bigquery.credentials.file";

  public static final String DEFAULT_WATERMARK_TOPIC = "ingest-gcp.bigquery.watermark";
  /** The tables an org-level sink of Cloud Audit Logs creates for the three streams whodrove reads. */
  public static final List<String> DEFAULT_TABLES = List.of("cloudaudit_googleapis_com_activity",
      "cloudaudit_googleapis_com_data_access", "cloudaudit_googleapis_com_system_event");
  public static final long DEFAULT_MAXIMUM_BYTES_BILLED = 10L << 30;

  private static final Pattern PROJECT_ID = Pattern.compile("([a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,61}[a-z0-9]");
  private static final Pattern DATASET_ID = Pattern.compile("[A-Za-z0-9_]{1,1024}");
  private static final Pattern TABLE_ID = Pattern.compile("[A-Za-z0-9_]{1,1000}");

  public static BigQuerySettings from(ServiceConfig cfg, Clock clock) {
    String ds = cfg.require(DATASET).trim();
    int dot = ds.lastIndexOf('.');
    String datasetProject = dot < 0 ? cfg.get(PROJECT, "") : ds.substring(0, dot);
    String dataset = dot < 0 ? ds : ds.substring(dot + 1);
    String billing = cfg.get(PROJECT, datasetProject);
    if (billing.isEmpty() || datasetProject.isEmpty()) {
      throw new ConfigException("invalid config " + DATASET + "=" + ds + ": write <project>.<dataset>, or set "
          + PROJECT + " (" + ServiceConfig.keyToEnv(PROJECT) + ")");
    }
    check(PROJECT_ID, datasetProject, DATASET, "a project id");
    check(PROJECT_ID, billing, PROJECT, "a project id");
    check(DATASET_ID, dataset, DATASET, "a dataset name");
    String t = cfg.get(TABLES, String.join(",", DEFAULT_TABLES));
    List<String> tables = Arrays.stream(t.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    if (tables.isEmpty()) {
      throw new ConfigException("invalid config " + TABLES + ": no table named");
    }
    tables.forEach(n -> check(TABLE_ID, n, TABLES, "a plain table name"));
    String layout = cfg.get(LAYOUT, "auto");
    if (!List.of("auto", "partitioned", "sharded").contains(layout)) {
      throw new ConfigException("invalid config " + LAYOUT + "=" + layout + " (" + ServiceConfig.keyToEnv(LAYOUT)
          + "): expected auto, partitioned or sharded");
    }
    long maxBytes = cfg.getLong(MAXIMUM_BYTES_BILLED, DEFAULT_MAXIMUM_BYTES_BILLED);
    if (maxBytes <= 0) {
      throw new ConfigException("invalid config " + MAXIMUM_BYTES_BILLED + "=" + maxBytes + ": every query needs a "
          + "positive cap");
    }
    Duration maxWindow = cfg.getDuration(MAX_WINDOW, Duration.ofDays(1));
    if (maxWindow.compareTo(Duration.ofMinutes(1)) < 0) {
      throw new ConfigException("invalid config " + MAX_WINDOW + ": at least 1m");
    }
    String start = cfg.get(START, "1h");
    Instant startAt;
    try {
      startAt = Instant.parse(start);
    } catch (DateTimeParseException e) {
      startAt = clock.instant().minus(cfg.getDuration(START, Duration.ofHours(1)));
    }
    return new BigQuerySettings(billing, datasetProject, dataset, tables, layout, cfg.get(LOCATION, null), maxBytes,
        cfg.getDuration(POLL_INTERVAL, Duration.ofMinutes(5)), cfg.getDuration(OVERLAP, Duration.ofMinutes(10)),
        maxWindow, startAt, Math.max(1, cfg.getInt(PAGE_SIZE, 1000)), Math.max(1, cfg.getInt(MAX_IN_FLIGHT, 10_000)),
        cfg.getDuration(QUERY_TIMEOUT, Duration.ofMinutes(10)),
        cfg.getDuration(BACKOFF_INITIAL, Duration.ofSeconds(1)), cfg.getDuration(BACKOFF_MAX, Duration.ofMinutes(5)),
        RetryBudget.from(cfg, RETRY_PREFIX), cfg.get(WATERMARK_TOPIC, DEFAULT_WATERMARK_TOPIC),
        cfg.getInt(WATERMARK_MAX_IDS, 20_000), cfg.get(ENDPOINT, null), cfg.get(CREDENTIALS_FILE, null));
  }

  private static void check(Pattern p, String value, String key, String what) {
    if (!p.matcher(value).matches()) {
      throw new ConfigException("invalid config " + key + ": '" + value + "' is not " + what);
    }
  }

  /** The watermark key of one table: {@code <project>.<dataset>.<table>}. */
  public String watermarkKey(String table) {
    return datasetProject + "." + dataset + "." + table;
  }
}
