package dev.whodrove.ingest.gcp.bigquery;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryError;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.FieldValue;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.Job;
import com.google.cloud.bigquery.JobId;
import com.google.cloud.bigquery.JobInfo;
import com.google.cloud.bigquery.JobStatistics;
import com.google.cloud.bigquery.QueryJobConfiguration;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.TableResult;
import dev.whodrove.ingest.gcp.EntryPublisher;
import dev.whodrove.ingest.gcp.ParseOutcome;
import dev.whodrove.ingest.gcp.PublishOutcome;
import dev.whodrove.ingest.gcp.RejectReason;
import dev.whodrove.runtime.BackfillProgress;
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.ServiceThreads;
import dev.whodrove.runtime.TransientFailure;
import dev.whodrove.runtime.Watermark;
import dev.whodrove.runtime.WatermarkStore;
import dev.whodrove.runtime.WindowedScan;
import dev.whodrove.schemas.v1.SourcePosition;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads Cloud Audit Log entries from the BigQuery dataset of an org-level log sink, table by table (activity,
 * data access, system event), window by window, and publishes each row through the same {@link EntryPublisher} as
 * the Pub/Sub and archive sources.
 *
 * <p>Each table has its own {@link Watermark} in a compacted topic: each window starts {@code overlap} before the
 * previous end, so rows the sink writes late are still found, and rows whose de-duplication key (insertId, log and
 * timestamp) the watermark lists as published in the overlap are skipped. The watermark moves only after Kafka
 * acknowledged every row of the window (entry or dead letter). Every query is pruned to its window and capped by
 * {@code maximumBytesBilled}; results are read page by page, with at most {@code maxInFlight} rows awaiting Kafka.
 *
 * <p>Failures ({@link QueryFailure}): quotas and server trouble are retried with backoff until they pass; refused
 * access is retried for the retry budget's auth time, then the source stops and says why; a query that would bill
 * more than the cap, or that BigQuery refuses as invalid, is retried each poll interval. Meanwhile the watermark
 * stays and {@link #lastError()} (readiness) names the cause.
 */
public final class BigQueryAuditSource implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BigQueryAuditSource.class);

  private final BigQuery bigquery;
  private final BigQuerySettings settings;
  private final WatermarkStore store;
  private final EntryPublisher publisher;
  private final Clock clock;
  private final WindowedScan scan;
  private final Map<String, Watermark> watermarks = new HashMap<>();
  private volatile String lastError = "";
  private volatile String state = "not started";
  private volatile boolean running;
  private volatile Thread thread;
  private volatile BigQueryStats totals = BigQueryStats.NONE;

  public BigQueryAuditSource(BigQuery bigquery, BigQuerySettings settings, WatermarkStore store,
      EntryPublisher publisher, Clock clock) {
    this.bigquery = bigquery;
    this.settings = settings;
    this.store = store;
    this.publisher = publisher;
    this.clock = clock;
    this.scan = new WindowedScan(settings.overlap(), settings.maxWindow());
  }

  /** Live mode: every table from its stored watermark (or the configured start) up to now. */
  public synchronized BigQueryStats pollOnce() throws InterruptedException {
    Run run = new Run(new SinkTables(bigquery, settings), BackfillProgress.NONE, null, null);
    for (String table : settings.tables()) {
      String key = settings.watermarkKey(table);
      Watermark wm = watermarks.get(key);
      if (wm == null) {
        wm = store.load(key).orElseGet(() -> Watermark.startingAt(settings.start().toEpochMilli()));
      }
      wm = scan.catchUp(wm, clock.instant(), (from, until, before) -> window(run, table, from, until, before),
          store, key);
      watermarks.put(key, wm);
    }
    totals = totals.plus(run.stats);
    return run.stats;
  }

  /**
   * Backfill: every table over {@code [since, until)}, in the same windows and through the same code; no watermark is
   * read or moved. Each finished window is reported to {@code progress}.
   */
  public BigQueryStats backfill(Instant since, Instant until, BackfillProgress progress) throws InterruptedException {
    Run run = new Run(new SinkTables(bigquery, settings), progress, since, until);
    for (String table : settings.tables()) {
      scan.backfill(since, until, (from, to, before) -> window(run, table, from, to, before));
    }
    return run.stats;
  }

  /** What a backfill over {@code [since, until)} would query and read, from BigQuery dry-run jobs. */
  public List<DryRunEstimate> dryRun(Instant since, Instant until) throws InterruptedException {
    SinkTables catalog = new SinkTables(bigquery, settings);
    List<DryRunEstimate> out = new ArrayList<>();
    for (String table : settings.tables()) {
      Instant from = since;
      while (from.isBefore(until)) {
        Instant to = from.plus(settings.maxWindow()).isBefore(until) ? from.plus(settings.maxWindow()) : until;
        AuditRowQuery q = query(catalog.layout(table, from, to), from, to);
        if (q == null) {
          out.add(new DryRunEstimate(table, from, to, "", 0));
        } else {
          Job job = start(q, true);
          JobStatistics.QueryStatistics st = job.getStatistics();
          long bytes = st == null || st.getTotalBytesProcessed() == null ? 0 : st.getTotalBytesProcessed();
          out.add(new DryRunEstimate(q.table().getDataset() + "." + q.table().getTable(), from, to, q.describe(),
              bytes));
        }
        from = to;
      }
    }
    return out;
  }

  /** What one poll or backfill adds up. */
  private static final class Run {
    final SinkTables catalog;
    final BackfillProgress progress;
    final Instant since;
    final Instant until;
    BigQueryStats stats = BigQueryStats.NONE;

    Run(SinkTables catalog, BackfillProgress progress, Instant since, Instant until) {
      this.catalog = catalog;
      this.progress = progress;
      this.since = since;
      this.until = until;
    }

    void add(String table, Instant from, Instant to, BigQueryStats window) {
      stats = stats.plus(window);
      if (since != null) {
        progress.window("bigquery " + table, from, to, since, until, window.rows(), window.bytesBilled());
      }
    }
  }

  private static AuditRowQuery query(SinkTables.Layout layout, Instant from, Instant until) {
    if (layout instanceof SinkTables.Partitioned p) {
      return AuditRowQuery.partitioned(p.table(), p.schema(), from, until);
    }
    if (layout instanceof SinkTables.Sharded s && s.any()) {
      return AuditRowQuery.sharded(s.wildcard(), s.schema(), s.firstDay(), s.lastDay(), from, until);
    }
    return null; // no table, or no shard of the window's days: nothing to read, nothing billed
  }

  private Watermark window(Run run, String table, Instant from, Instant until, Watermark before)
      throws InterruptedException {
    long overlapMs = settings.overlap().toMillis();
    AuditRowQuery q = query(run.catalog.layout(table, from, until), from, until);
    if (q == null) {
      run.add(table, from, until, BigQueryStats.NONE);
      return before.after(0, "", until.toEpochMilli(), before.recent(), overlapMs, settings.maxRecentIds());
    }
    Job job = start(q, false);
    awaitDone(job);
    JobStatistics.QueryStatistics st = job.reload().getStatistics();
    long billed = st == null || st.getTotalBytesBilled() == null ? 0 : st.getTotalBytesBilled();
    long processed = st == null || st.getTotalBytesProcessed() == null ? 0 : st.getTotalBytesProcessed();
    TableResult result = job.getQueryResults(BigQuery.QueryResultsOption.pageSize(settings.pageSize()));
    Schema schema = result.getSchema();
    String locator = q.table().getProject() + "." + q.table().getDataset() + "." + q.table().getTable() + "/"
        + job.getJobId().getJob();
    long keepFrom = until.toEpochMilli() - overlapMs;
    Map<String, Long> seen = new HashMap<>(before.recent());
    Semaphore inFlight = new Semaphore(settings.maxInFlight());
    AtomicLong produced = new AtomicLong();
    AtomicLong duplicates = new AtomicLong();
    AtomicLong deadLettered = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    long rows = 0;
    long newestTime = 0;
    String newestId = "";
    try {
      for (FieldValueList row : result.iterateAll()) { // one page in memory at a time
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedException("stopped while reading " + locator);
        }
        rows++;
        byte[] original = AuditRows.toJson(row, schema);
        ParseOutcome parsed;
        try {
          parsed = publisher.parser().parse(AuditRows.toLogEntry(original));
        } catch (RuntimeException e) {
          parsed = new ParseOutcome.Rejected(RejectReason.PARSE_ERROR, Errors.oneLine(e));
        }
        String id;
        long time;
        if (parsed instanceof ParseOutcome.Accepted a) {
          id = a.dedupKey();
          time = a.entry().getTimestampMs();
        } else {
          id = "row:" + sha256(original);
          time = rowTime(row, schema, until.toEpochMilli() - 1);
        }
        if (seen.containsKey(id)) {
          duplicates.incrementAndGet(); // published by the window before (the overlap), or a repeated row
          continue;
        }
        if (time >= keepFrom) {
          seen.put(id, time);
        }
        if (time > newestTime || (time == newestTime && id.compareTo(newestId) > 0)) {
          newestTime = time;
          newestId = id;
        }
        inFlight.acquire();
        SourcePosition pos = SourcePosition.newBuilder().setSource(AuditRows.SOURCE).setLocator(locator)
            .setOffset(rows).build();
        publisher.publishParsed(parsed, original, pos).whenComplete((outcome, err) -> {
          if (err != null) {
            failed.incrementAndGet();
          } else if (outcome == PublishOutcome.PRODUCED) {
            produced.incrementAndGet();
          } else if (outcome == PublishOutcome.DUPLICATE) {
            duplicates.incrementAndGet();
          } else {
            deadLettered.incrementAndGet();
          }
          inFlight.release();
        });
      }
    } finally {
      publisher.flush();
      inFlight.acquireUninterruptibly(settings.maxInFlight());
    }
    if (failed.get() > 0) {
      // nothing moves: the whole window is read again, its published rows skipped by the in-process window
      throw new TransientFailure(failed.get() + " rows of " + locator + " were not acknowledged by Kafka", null);
    }
    BigQueryStats w = new BigQueryStats(1, rows, produced.get(), duplicates.get(), deadLettered.get(), billed,
        processed);
    log.debug("bigquery {} window {}..{}: {}", table, from, until, w);
    run.add(table, from, until, w);
    return before.after(newestTime, newestId, until.toEpochMilli(), seen, overlapMs, settings.maxRecentIds());
  }

  private Job start(AuditRowQuery q, boolean dryRun) {
    QueryJobConfiguration config = QueryJobConfiguration.newBuilder(q.sql())
        .setUseLegacySql(false)
        .setNamedParameters(q.parameters())
        .setMaximumBytesBilled(settings.maximumBytesBilled())
        .setLabels(Map.of("whodrove", "ingest-gcp"))
        .setDryRun(dryRun)
        .build();
    JobId.Builder id = JobId.newBuilder().setProject(settings.billingProject())
        .setJob("whodrove_" + UUID.randomUUID().toString().replace("-", ""));
    if (settings.location() != null) {
      id.setLocation(settings.location());
    }
    return bigquery.create(JobInfo.of(id.build(), config));
  }

  private void awaitDone(Job job) throws InterruptedException {
    long deadline = System.nanoTime() + settings.queryTimeout().toNanos();
    long sleepMs = 50;
    Job current = job;
    while (!current.isDone()) {
      if (System.nanoTime() > deadline) {
        current.cancel();
        throw new IllegalStateException("BigQuery job " + job.getJobId().getJob() + " still running after "
            + settings.queryTimeout() + "; cancelled");
      }
      Thread.sleep(sleepMs);
      sleepMs = Math.min(2_000, sleepMs * 2);
    }
    Job done = job.reload();
    if (done == null) {
      throw new IllegalStateException("BigQuery job " + job.getJobId().getJob() + " vanished");
    }
    BigQueryError error = done.getStatus() == null ? null : done.getStatus().getError();
    if (error != null) {
      List<BigQueryError> errors = done.getStatus().getExecutionErrors();
      throw new BigQueryException(errors == null || errors.isEmpty() ? List.of(error) : errors);
    }
  }

  private static long rowTime(FieldValueList row, Schema schema, long fallback) {
    try {
      FieldValue v = row.get(schema.getFields().getIndex("timestamp"));
      return v.isNull() ? fallback : Instant.parse(v.getStringValue()).toEpochMilli();
    } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
      return fallback;
    }
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Polls every poll interval on a thread of its own until closed; its unexpected end is reported to threads. */
  public synchronized void start(ServiceThreads threads) {
    running = true;
    Thread t = threads.newThread("ingest-gcp-bigquery", true, this::loop);
    thread = t;
    t.start();
  }

  private void loop() {
    long backoffMs = settings.backoffInitial().toMillis();
    long deniedSince = -1;
    while (running) {
      long pauseMs;
      try {
        state = "polling";
        BigQueryStats s = pollOnce();
        if (s.rows() > 0) {
          log.info("bigquery poll: {}", s);
        }
        lastError = "";
        state = "caught up";
        backoffMs = settings.backoffInitial().toMillis();
        deniedSince = -1;
        pauseMs = settings.pollInterval().toMillis();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        if (!running) {
          return;
        }
        QueryFailure kind = QueryFailure.of(e);
        String why = QueryFailure.describe(e);
        if (kind.blame == TransientFailure.Blame.ENVIRONMENT || e instanceof TransientFailure) {
          pauseMs = backoffMs;
          backoffMs = Math.min(settings.backoffMax().toMillis(), backoffMs * 2);
          lastError = (kind == QueryFailure.QUOTA ? "quota: " : "") + why + " (watermark unchanged; retrying in "
              + Duration.ofMillis(pauseMs) + ")";
        } else if (kind == QueryFailure.ACCESS_DENIED) {
          long now = clock.millis();
          deniedSince = deniedSince < 0 ? now : deniedSince;
          Duration budget = settings.retry().authMaxElapsed();
          if (now - deniedSince >= budget.toMillis()) {
            lastError = "stopped: access denied for " + Duration.ofMillis(now - deniedSince) + " (" + why + "); "
                + "grant roles/bigquery.jobUser on " + settings.billingProject() + " and roles/bigquery.dataViewer "
                + "on " + settings.datasetProject() + "." + settings.dataset() + ", then restart";
            state = "stopped";
            log.error("BigQuery source {}", lastError);
            return;
          }
          pauseMs = backoffMs;
          backoffMs = Math.min(settings.backoffMax().toMillis(), backoffMs * 2);
          lastError = "access denied: " + why + " (retried until " + budget + " have passed, then the source stops)";
        } else {
          pauseMs = settings.pollInterval().toMillis();
          lastError = (kind == QueryFailure.BYTES_LIMIT ? "a window would bill more than "
              + BigQuerySettings.MAXIMUM_BYTES_BILLED + "=" + settings.maximumBytesBilled() + " (lower "
              + BigQuerySettings.MAX_WINDOW + " or raise the cap): " : "") + why;
        }
        state = "failing";
        log.warn("BigQuery poll failed: {}", lastError);
      }
      try {
        Thread.sleep(Math.max(1, pauseMs));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Why the source is not working now (retrying or stopped), or empty. */
  public String lastError() {
    return lastError;
  }

  /** not started, polling, caught up, failing or stopped. */
  public String state() {
    return state;
  }

  /** Whether the source gave up (access denied past the auth budget). */
  public boolean stopped() {
    return "stopped".equals(state);
  }

  /** Totals of the live polls since start. */
  public BigQueryStats totals() {
    return totals;
  }

  /** The watermark of {@code table} in use (after a poll), or null. */
  public synchronized Watermark watermark(String table) {
    return watermarks.get(settings.watermarkKey(table));
  }

  /** Stops polling: a poll in progress is interrupted and gets up to 10 s to end (its window is not saved). */
  @Override
  public void close() {
    running = false;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
