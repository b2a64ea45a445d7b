package dev.whodrove.ingest.teleport;

import dev.whodrove.ingest.teleport.SourceOutput.DeadLetterTarget;
import dev.whodrove.runtime.BackfillProgress;
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.Watermark;
import dev.whodrove.runtime.WatermarkStore;
import dev.whodrove.runtime.WindowedScan;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.ColumnInfo;
import software.amazon.awssdk.services.athena.model.Datum;
import software.amazon.awssdk.services.athena.model.GetQueryResultsResponse;
import software.amazon.awssdk.services.athena.model.QueryExecution;
import software.amazon.awssdk.services.athena.model.QueryExecutionState;
import software.amazon.awssdk.services.athena.model.QueryExecutionStatus;
import software.amazon.awssdk.services.athena.model.Row;
import software.amazon.awssdk.services.athena.model.StartQueryExecutionRequest;

/**
 * Polls Teleport's External Audit Storage through Athena: one query per time window (partition-pruned, values as
 * execution parameters), polled to completion with backoff, results paged, events published, and only after Kafka
 * acknowledged them the watermark moves. Each window starts {@code overlap} before the previous end, so events that
 * reach the Parquet files late are still found; uids already emitted in the overlap are dropped. Backfill runs the
 * same windows over a fixed range without touching the live watermark.
 */
public final class AthenaPoller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AthenaPoller.class);

  public static final String DATABASE = "teleport.athena.database";
  public static final String TABLE = "teleport.athena.table";
  public static final String CATALOG = "teleport.athena.catalog";
  public static final String WORKGROUP = "teleport.athena.workgroup";
  public static final String OUTPUT_LOCATION = "teleport.athena.output.location";
  public static final String EVENT_TYPES = "teleport.athena.event.types";
  public static final String POLL_INTERVAL = "teleport.athena.poll.interval";
  public static final String OVERLAP = "teleport.athena.overlap";
  public static final String MAX_WINDOW = "teleport.athena.max.window";
  public static final String START = "teleport.athena.start";
  public static final String PAGE_SIZE = "teleport.athena.page.size";
  public static final String BACKOFF_INITIAL = "teleport.athena.backoff.initial";
  public static final String BACKOFF_MAX = "teleport.athena.backoff.max";
  public static final String QUERY_TIMEOUT = "teleport.athena.query.timeout";
  public static final String WATERMARK_KEY = "teleport.athena.watermark.key";
  public static final String WATERMARK_TOPIC = "teleport.athena.watermark.topic";
  public static final String WATERMARK_MAX_UIDS = "teleport.athena.watermark.max.uids";
  /** The compacted topic of the Athena watermark unless {@value #WATERMARK_TOPIC} says otherwise. */
  public static final String DEFAULT_WATERMARK_TOPIC = "ingest-teleport.athena.watermark";

  /** What the pipeline uses: sessions and their recordings, commands, and context (logins, access requests). */
  public static final List<String> DEFAULT_EVENT_TYPES = List.of(
      "session.start", "session.end", "session.upload", "session.join", "session.leave", "exec",
      "session.command", "session.network", "session.disk", "db.session.start", "db.session.end",
      "db.session.query", "app.session.start", "app.session.end", "windows.desktop.session.start",
      "windows.desktop.session.end", "kube.request", "user.login", "access_request.create",
      "access_request.review", "access_request.update");

  /** Settings, read once from config. */
  public record Settings(String database, String table, String catalog, String workgroup, String outputLocation,
      List<String> eventTypes, Duration pollInterval, Duration overlap, Duration maxWindow, Instant start,
      int pageSize, Duration backoffInitial, Duration backoffMax, Duration queryTimeout, String watermarkKey,
      int maxRecentUids) {

    public static Settings from(ServiceConfig cfg, Clock clock) {
      String db = cfg.require(DATABASE);
      String table = cfg.get(TABLE, "teleport_events");
      String types = cfg.get(EVENT_TYPES, String.join(",", DEFAULT_EVENT_TYPES));
      List<String> typeList = types.isBlank() || types.equals("*") ? List.of()
          : Arrays.stream(types.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
      String start = cfg.get(START, "1h");
      Instant startAt;
      try {
        startAt = Instant.parse(start);
      } catch (DateTimeParseException e) {
        startAt = clock.instant().minus(cfg.getDuration(START, Duration.ofHours(1)));
      }
      return new Settings(db, table, cfg.get(CATALOG, ""), cfg.get(WORKGROUP, ""), cfg.get(OUTPUT_LOCATION, ""),
          typeList, cfg.getDuration(POLL_INTERVAL, Duration.ofMinutes(1)),
          cfg.getDuration(OVERLAP, Duration.ofMinutes(15)), cfg.getDuration(MAX_WINDOW, Duration.ofDays(1)),
          startAt, Math.min(1000, cfg.getInt(PAGE_SIZE, 1000)),
          cfg.getDuration(BACKOFF_INITIAL, Duration.ofMillis(200)), cfg.getDuration(BACKOFF_MAX, Duration.ofSeconds(5)),
          cfg.getDuration(QUERY_TIMEOUT, Duration.ofMinutes(10)), cfg.get(WATERMARK_KEY, db + "." + table),
          cfg.getInt(WATERMARK_MAX_UIDS, 5000));
    }
  }

  private final AthenaClient athena;
  private final Settings settings;
  private final WatermarkStore store;
  private final SourceOutput output;
  private final AuditEventParser parser;
  private final Clock clock;
  private final PollingThread polling;
  private final WindowedScan scan;
  private Watermark watermark;

  public AthenaPoller(AthenaClient athena, Settings settings, WatermarkStore store, SourceOutput output,
      AuditEventParser parser, Clock clock) {
    this.athena = athena;
    this.settings = settings;
    this.store = store;
    this.output = output;
    this.parser = parser;
    this.clock = clock;
    this.scan = new WindowedScan(settings.overlap(), settings.maxWindow());
    this.polling = new PollingThread("ingest-teleport-athena", this::pollOnce, settings.pollInterval(),
        settings.pollInterval(), true, log, "Athena poll failed (watermark unchanged, will retry): {}");
  }

  /** Live mode: queries from the stored watermark (or the configured start) up to now, window by window. */
  public synchronized IngestStats pollOnce() throws InterruptedException {
    if (watermark == null) {
      watermark = store.load(settings.watermarkKey())
          .orElseGet(() -> Watermark.startingAt(settings.start().toEpochMilli()));
    }
    Totals totals = new Totals(BackfillProgress.NONE, null, null);
    watermark = scan.catchUp(watermark, clock.instant(), (from, until, wm) -> runWindow(from, until, wm, totals),
        store, settings.watermarkKey());
    return totals.stats;
  }

  /**
   * Backfill: the same windows over {@code [since, until)}; the live watermark is neither read nor written. Each
   * finished window is reported to {@code progress}.
   */
  public IngestStats backfill(Instant since, Instant until, BackfillProgress progress) throws InterruptedException {
    Totals totals = new Totals(progress, since, until);
    scan.backfill(since, until, (from, to, wm) -> runWindow(from, to, wm, totals));
    return totals.stats;
  }

  public IngestStats backfill(Instant since, Instant until) throws InterruptedException {
    return backfill(since, until, BackfillProgress.NONE);
  }

  /**
   * What a backfill over {@code [since, until)} would run, without running it: Athena has no dry run that estimates
   * the bytes a query scans, so each window's query, its parameters and the {@code event_date} partitions it reads.
   */
  public List<String> describeBackfill(Instant since, Instant until) {
    List<String> out = new ArrayList<>();
    Instant from = since;
    while (from.isBefore(until)) {
      Instant to = from.plus(settings.maxWindow()).isBefore(until) ? from.plus(settings.maxWindow()) : until;
      AthenaQuery q = AthenaQuery.window(settings.table(), from, to, settings.eventTypes());
      out.add("-- window " + from + " .. " + to + ": partitions event_date " + AthenaQuery.partitionDays(from, to)
          + "\n" + q.sql() + "\n-- parameters " + q.parameters());
      from = to;
    }
    return out;
  }

  /** What the windows of one poll or backfill add up to. */
  private static final class Totals {
    final BackfillProgress progress;
    final Instant since;
    final Instant until;
    IngestStats stats = IngestStats.NONE;
    long rows;

    Totals(BackfillProgress progress, Instant since, Instant until) {
      this.progress = progress;
      this.since = since;
      this.until = until;
    }
  }

  private Watermark runWindow(Instant from, Instant until, Watermark wm, Totals totals) throws InterruptedException {
    AthenaQuery q = AthenaQuery.window(settings.table(), from, until, settings.eventTypes());
    String queryId = start(q);
    long scannedBytes = awaitCompletion(queryId);
    Map<String, Long> recent = new LinkedHashMap<>(wm.recent());
    long bestTime = 0;
    String bestUid = "";
    List<CompletableFuture<?>> acks = new ArrayList<>();
    long events = 0;
    long rejected = 0;
    long rowNumber = 0;
    String next = null;
    Map<String, Integer> columns = null;
    do {
      String token = next;
      GetQueryResultsResponse page = athena.getQueryResults(b -> b.queryExecutionId(queryId)
          .maxResults(settings.pageSize()).nextToken(token));
      if (columns == null) {
        columns = columns(page);
      }
      List<Row> rows = page.resultSet().hasRows() ? page.resultSet().rows() : List.of();
      int first = token == null ? 1 : 0; // the first row of the first page repeats the column names
      for (int i = first; i < rows.size(); i++) {
        rowNumber++;
        List<Datum> d = rows.get(i).data();
        String uid = value(d, columns.get("uid"));
        String eventData = value(d, columns.get("event_data"));
        long timeMs = parseTime(value(d, columns.get("event_time")), clock.millis());
        if (!uid.isEmpty() && recent.containsKey(uid)) {
          continue; // emitted by an earlier window (the overlap) or a duplicate row
        }
        SourcePosition pos = SourcePosition.newBuilder().setSource("athena").setLocator(queryId)
            .setOffset(rowNumber).build();
        try {
          TeleportAuditEvent e = parser.parse(eventData, pos);
          if (e.getUid().isEmpty() && !uid.isEmpty()) {
            e = e.toBuilder().setUid(uid).build();
          }
          if (timeMs < 0) {
            timeMs = e.getTimeMs();
          }
          acks.add(output.publishEvent(e));
          events++;
        } catch (EventRejectedException r) {
          acks.add(output.deadLetter(DeadLetterTarget.AUDIT_EVENTS, pos, eventData.getBytes(StandardCharsets.UTF_8), r));
          rejected++;
        }
        if (!uid.isEmpty()) {
          recent.put(uid, Math.max(timeMs, 0));
        }
        if (timeMs > bestTime || (timeMs == bestTime && uid.compareTo(bestUid) > 0)) {
          bestTime = timeMs;
          bestUid = uid;
        }
      }
      next = page.nextToken();
    } while (next != null && !next.isEmpty());
    awaitAcks(acks);
    log.debug("athena window {}..{} query {}: {} events, {} rejected", from, until, queryId, events, rejected);
    totals.stats = totals.stats.plus(new IngestStats(events, rejected, 0));
    totals.rows += rowNumber;
    if (totals.since != null) {
      totals.progress.window("athena " + settings.table(), from, until, totals.since, totals.until, rowNumber,
          scannedBytes);
    }
    // keep only uids a later window can see again (its start is until - overlap), newest first when capped
    return wm.after(bestTime, bestUid, until.toEpochMilli(), recent, settings.overlap().toMillis(),
        settings.maxRecentUids());
  }

  private String start(AthenaQuery q) {
    StartQueryExecutionRequest.Builder b = StartQueryExecutionRequest.builder()
        .queryString(q.sql())
        .executionParameters(q.parameters())
        .queryExecutionContext(c -> {
          c.database(settings.database());
          if (!settings.catalog().isEmpty()) {
            c.catalog(settings.catalog());
          }
        });
    if (!settings.workgroup().isEmpty()) {
      b.workGroup(settings.workgroup());
    }
    if (!settings.outputLocation().isEmpty()) {
      b.resultConfiguration(r -> r.outputLocation(settings.outputLocation()));
    }
    return athena.startQueryExecution(b.build()).queryExecutionId();
  }

  /** Waits for the query; returns the bytes it scanned (as Athena reports them once it succeeded, else -1). */
  private long awaitCompletion(String queryId) throws InterruptedException {
    long deadline = System.nanoTime() + settings.queryTimeout().toNanos();
    long sleepMs = settings.backoffInitial().toMillis();
    while (true) {
      QueryExecution qe = athena.getQueryExecution(b -> b.queryExecutionId(queryId)).queryExecution();
      QueryExecutionStatus s = qe.status();
      QueryExecutionState state = s.state();
      if (state == QueryExecutionState.SUCCEEDED) {
        Long scanned = qe.statistics() == null ? null : qe.statistics().dataScannedInBytes();
        return scanned == null ? -1 : scanned;
      }
      if (state == QueryExecutionState.FAILED || state == QueryExecutionState.CANCELLED) {
        throw new IllegalStateException("Athena query " + queryId + " " + state + ": " + s.stateChangeReason());
      }
      if (System.nanoTime() > deadline) {
        athena.stopQueryExecution(b -> b.queryExecutionId(queryId));
        throw new IllegalStateException("Athena query " + queryId + " still " + state + " after "
            + settings.queryTimeout() + "; stopped");
      }
      Thread.sleep(sleepMs);
      sleepMs = Math.min(settings.backoffMax().toMillis(), sleepMs * 2);
    }
  }

  private static Map<String, Integer> columns(GetQueryResultsResponse page) {
    Map<String, Integer> m = new HashMap<>();
    List<ColumnInfo> info = page.resultSet().resultSetMetadata() == null ? List.of()
        : page.resultSet().resultSetMetadata().columnInfo();
    for (int i = 0; i < info.size(); i++) {
      m.put(info.get(i).name().toLowerCase(java.util.Locale.ROOT), i);
    }
    for (String need : List.of("uid", "event_time", "event_data")) {
      if (!m.containsKey(need)) {
        throw new IllegalStateException("Athena result has no column " + need + " (columns: " + m.keySet() + ")");
      }
    }
    return m;
  }

  private static String value(List<Datum> row, Integer index) {
    if (index == null || index >= row.size() || row.get(index).varCharValue() == null) {
      return "";
    }
    return row.get(index).varCharValue();
  }

  /** The row's {@code event_time}, or -1 when absent, unreadable or implausible (the event's own time is used). */
  private static long parseTime(String text, long nowMs) {
    if (text.isEmpty()) {
      return -1;
    }
    try {
      return TeleportTimes.parsePlausibleMillis(text, nowMs);
    } catch (DateTimeParseException e) {
      return -1;
    }
  }

  private static void awaitAcks(List<CompletableFuture<?>> acks) throws InterruptedException {
    try {
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Kafka did not acknowledge: " + Errors.oneLine(e.getCause()), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("Kafka did not acknowledge within 5 minutes", e);
    }
  }

  /** The watermark in use (after the first poll). */
  public synchronized Watermark watermark() {
    return watermark;
  }

  /** Polls every {@code teleport.athena.poll.interval} on a thread of its own until closed. */
  public void start() {
    polling.start();
  }

  /** As {@link #start()}, the thread's unexpected end reported to {@code threads}. */
  public void start(dev.whodrove.runtime.ServiceThreads threads) {
    polling.start(threads);
  }

  /** Why the last poll failed, or empty once one succeeded. */
  public String lastError() {
    return polling.lastError();
  }

  /** Stops polling: a poll in progress is interrupted and gets up to 10 s to end. */
  @Override
  public void close() {
    polling.stop(() -> true, Duration.ofSeconds(10), Duration.ZERO);
  }
}
