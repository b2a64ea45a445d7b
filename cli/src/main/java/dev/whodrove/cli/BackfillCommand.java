package dev.whodrove.cli;

import dev.whodrove.ingest.gcp.ArchiveStats;
import dev.whodrove.ingest.gcp.CloudStorageArchive;
import dev.whodrove.ingest.gcp.EntryPublisher;
import dev.whodrove.ingest.gcp.IngestGcpService;
import dev.whodrove.ingest.gcp.JsonlArchiveSource;
import dev.whodrove.ingest.gcp.KafkaRecordSender;
import dev.whodrove.ingest.gcp.bigquery.BigQueryAuditSource;
import dev.whodrove.ingest.gcp.bigquery.BigQueryClients;
import dev.whodrove.ingest.gcp.bigquery.BigQuerySettings;
import dev.whodrove.ingest.gcp.bigquery.BigQueryStats;
import dev.whodrove.ingest.gcp.bigquery.DryRunEstimate;
import dev.whodrove.ingest.teleport.AthenaPoller;
import dev.whodrove.ingest.teleport.IngestStats;
import dev.whodrove.ingest.teleport.IngestTeleportService;
import dev.whodrove.ingest.teleport.IngestTeleportServiceFactory;
import dev.whodrove.ingest.teleport.TeleportPublisher;
import dev.whodrove.runtime.MessageLimits;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.WatermarkStore;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Publishes a bounded time range of history through the ingest services' own code (same queries, parser, publisher,
 * dead letters), without touching their live watermarks. Reruns are harmless downstream: see README (Backfill).
 */
@Command(name = "backfill", mixinStandardHelpOptions = true,
    description = {"Publish a bounded time range of history through the ingest services' own code: GCP audit "
        + "entries from the log sink's BigQuery dataset (or JSON-lines archives), Teleport events from Athena.",
        "The live services' watermarks are neither read nor moved. Progress goes to stderr, a summary to stdout. "
            + "--dry-run prints the queries and what they would read, and publishes nothing."},
    subcommands = {BackfillCommand.Gcp.class, BackfillCommand.Teleport.class})
public final class BackfillCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** The options of every backfill. */
  static final class Range {
    @Option(names = "--since", required = true, paramLabel = "TIME",
        description = "Start of the range: an RFC 3339 instant (2024-05-01T00:00:00Z) or a duration back from now "
            + "(7d, 12h).")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "End of the range (exclusive), as --since. "
        + "Default: now.")
    String until;

    @Option(names = "--dry-run", description = "Print the queries and what they would read; publish nothing.")
    boolean dryRun;

    Instant[] bounds(Clock clock) {
      Instant s = instant(since, clock, "--since");
      Instant u = until == null ? clock.instant() : instant(until, clock, "--until");
      if (!s.isBefore(u)) {
        throw new IllegalArgumentException("--since " + s + " is not before --until " + u);
      }
      return new Instant[] {s, u};
    }

    static Instant instant(String v, Clock clock, String option) {
      try {
        return Instant.parse(v);
      } catch (DateTimeParseException e) {
        try {
          return clock.instant().minus(ServiceConfig.parseDuration(v));
        } catch (IllegalArgumentException e2) {
          throw new IllegalArgumentException(option + " " + v + ": neither an RFC 3339 instant nor a duration");
        }
      }
    }
  }

  @Command(name = "gcp", mixinStandardHelpOptions = true,
      description = {"GCP Cloud Audit Log entries of a time range into gcp.audit.entries.",
          "--source bigquery (default) queries the log sink's dataset as the BigQuery source of ingest-gcp does "
              + "(gcp.bigquery.* keys of --config); --source files reads JSON-lines archives, local or in a log "
              + "sink's bucket (--path, else gcp.archive.paths; gs:// with the gcp.archive.gcs.* keys) and keeps the "
              + "entries of the range.",
          "--dry-run: each window's query and the bytes BigQuery estimates it would read (a dry-run job: nothing is "
              + "read or billed); for files, the files (objects with their generation) and their sizes."})
  static final class Gcp implements Callable<Integer> {
    @Mixin KafkaClientOptions kafka;
    @Mixin Range range;

    @Option(names = "--source", defaultValue = "bigquery", paramLabel = "bigquery|files",
        description = "Where the history is: bigquery (default) or files.")
    String source;

    @Option(names = "--path", paramLabel = "PATH", description = "Archive file or directory, or gs://bucket/prefix "
        + "(--source files); repeatable. Default: gcp.archive.paths of the configuration.")
    List<String> paths = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      Clock clock = Clock.systemUTC();
      Instant[] r = range.bounds(clock);
      ServiceConfig cfg = kafka.config();
      if (!source.equals("bigquery") && !source.equals("files")) {
        throw new IllegalArgumentException("--source " + source + ": expected bigquery or files");
      }
      return source.equals("bigquery") ? bigquery(cfg, r[0], r[1], clock) : files(cfg, r[0], r[1]);
    }

    private int bigquery(ServiceConfig cfg, Instant since, Instant until, Clock clock) throws Exception {
      if (!cfg.has(BigQuerySettings.DATASET)) {
        throw new IllegalArgumentException("no " + BigQuerySettings.DATASET + " in the configuration (--config FILE "
            + "or " + ServiceConfig.keyToEnv(BigQuerySettings.DATASET) + ")");
      }
      BigQuerySettings settings = BigQuerySettings.from(cfg, clock);
      if (range.dryRun) {
        BigQueryAuditSource plan = new BigQueryAuditSource(BigQueryClients.create(settings), settings,
            WatermarkStore.NONE, null, clock);
        long total = 0;
        for (DryRunEstimate e : plan.dryRun(since, until)) {
          System.out.printf("-- %s %s .. %s: %s%n", e.table(), e.from(), e.until(), e.query().isEmpty()
              ? "nothing to read (no table or shard yet)" : "BigQuery estimates " + Progress.bytes(e.bytesProcessed()));
          if (!e.query().isEmpty()) {
            System.out.println(e.query());
          }
          total += e.bytesProcessed();
        }
        System.out.printf("dry run: %s in total (each query is capped at %s=%s; at least 10 MB is billed per "
            + "query)%n", Progress.bytes(total), BigQuerySettings.MAXIMUM_BYTES_BILLED, settings.maximumBytesBilled());
        return 0;
      }
      ensureTopics(cfg, List.of(Topics.GCP_AUDIT_ENTRIES, Topics.deadLetterOf(Topics.GCP_AUDIT_ENTRIES)));
      long started = System.nanoTime();
      Progress progress = new Progress(System.err, settings.tables().size());
      try (EntryPublisher publisher = publisher(cfg)) {
        BigQueryStats s = new BigQueryAuditSource(BigQueryClients.create(settings), settings, WatermarkStore.NONE,
            publisher, clock).backfill(since, until, progress);
        System.out.printf("bigquery %s .. %s: %d queries, %d rows, %d produced, %d duplicates, %d dead-lettered, "
                + "%s billed, in %s%n", since, until, s.queries(), s.rows(), s.produced(), s.duplicates(),
            s.deadLettered(), Progress.bytes(s.bytesBilled()), Progress.elapsed(started));
      }
      return 0;
    }

    private int files(ServiceConfig cfg, Instant since, Instant until) throws Exception {
      List<String> in = new ArrayList<>(paths);
      if (in.isEmpty() && cfg.has(IngestGcpService.ARCHIVE_PATHS)) {
        in.addAll(IngestGcpService.archiveLocations(cfg));
      }
      if (in.isEmpty()) {
        throw new IllegalArgumentException("no archive: give --path or " + IngestGcpService.ARCHIVE_PATHS);
      }
      boolean cloud = in.stream().anyMatch(CloudStorageArchive.Prefix::isUri);
      try (CloudStorageArchive gcs = cloud ? CloudStorageArchive.from(cfg) : null) {
        if (range.dryRun) {
          long total = 0;
          for (String l : in) {
            if (CloudStorageArchive.Prefix.isUri(l)) {
              for (CloudStorageArchive.StoredObject o : gcs.list(CloudStorageArchive.Prefix.parse(l),
                  JsonlArchiveSource.ARCHIVE_NAME)) {
                System.out.printf("%s#%d %s%n", o.uri(), o.generation(), Progress.bytes(o.size()));
                total += o.size();
              }
              continue;
            }
            Path p = Path.of(l);
            try (Stream<Path> s = Files.isDirectory(p) ? Files.walk(p) : Stream.of(p)) {
              for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                System.out.printf("%s %s%n", f, Progress.bytes(Files.size(f)));
                total += Files.size(f);
              }
            }
          }
          System.out.printf("dry run: %s of archives would be read; entries outside %s .. %s skipped%n",
              Progress.bytes(total), since, until);
          return 0;
        }
        ensureTopics(cfg, List.of(Topics.GCP_AUDIT_ENTRIES, Topics.deadLetterOf(Topics.GCP_AUDIT_ENTRIES)));
        long started = System.nanoTime();
        try (EntryPublisher publisher = publisher(cfg)) {
          JsonlArchiveSource archive = new JsonlArchiveSource(publisher, null,
              cfg.getInt(IngestGcpService.ARCHIVE_MAX_IN_FLIGHT, 10_000)).within(since, until).cloudStorage(gcs);
          ArchiveStats s = archive.ingestLocations(in);
          System.out.printf("files %s .. %s: %d files, %d lines, %d produced, %d duplicates, %d dead-lettered, "
                  + "%d outside the range, %d failed, in %s%n", since, until, s.files(), s.lines(), s.produced(),
              s.duplicates(), s.deadLettered(), archive.outOfRange(), s.failed(), Progress.elapsed(started));
          // a one-shot pass: lines Kafka did not acknowledge, or a file that could not be read, make the run a
          // failure (a rerun of the same range publishes them; its copies of the rest are absorbed downstream,
          // README Backfill)
          if (s.failed() > 0) {
            System.err.printf("backfill gcp: %d lines were not written to Kafka; run the same range again%n",
                s.failed());
          }
          if (!archive.lastFileError().isEmpty()) {
            System.err.println("backfill gcp: not read: " + archive.lastFileError());
          }
          return s.failed() > 0 || !archive.lastFileError().isEmpty() ? 1 : 0;
        }
      }
    }

    private static EntryPublisher publisher(ServiceConfig cfg) {
      return IngestGcpService.publisher("ingest-gcp", cfg, IngestGcpService.parser(cfg),
          new KafkaRecordSender(cfg.kafkaClientProperties(), "whodrove-backfill-gcp", null, MessageLimits.from(cfg)),
          new SimpleMeterRegistry());
    }
  }

  @Command(name = "teleport", mixinStandardHelpOptions = true,
      description = {"Teleport audit events of a time range from Athena (External Audit Storage) into "
          + "teleport.audit.events, as the Athena source of ingest-teleport does (teleport.athena.* keys of --config).",
          "--dry-run: Athena has no dry run that estimates bytes, so each window's query, its parameters and the "
              + "event_date partitions it reads are printed instead."})
  static final class Teleport implements Callable<Integer> {
    @Mixin KafkaClientOptions kafka;
    @Mixin Range range;

    @Override
    public Integer call() throws Exception {
      Clock clock = Clock.systemUTC();
      Instant[] r = range.bounds(clock);
      ServiceContext ctx = ServiceContext.create(new IngestTeleportServiceFactory(), kafka.config());
      ServiceConfig cfg = ctx.config();
      if (!cfg.has(AthenaPoller.DATABASE)) {
        throw new IllegalArgumentException("no " + AthenaPoller.DATABASE + " in the configuration (--config FILE "
            + "or " + ServiceConfig.keyToEnv(AthenaPoller.DATABASE) + ")");
      }
      if (range.dryRun) {
        try (AthenaPoller plan = IngestTeleportService.athenaPoller(cfg, null, WatermarkStore.NONE, clock)) {
          plan.describeBackfill(r[0], r[1]).forEach(System.out::println);
        }
        System.out.println("dry run: Athena estimates no bytes before running a query; each query reads only the "
            + "event_date partitions above (the workgroup's bytes-scanned limit, if set, caps each)");
        return 0;
      }
      ensureTopics(cfg, List.of(Topics.TELEPORT_AUDIT_EVENTS, Topics.TELEPORT_RECORDINGS,
          Topics.deadLetterOf(Topics.TELEPORT_AUDIT_EVENTS), Topics.deadLetterOf(Topics.TELEPORT_RECORDINGS)));
      long started = System.nanoTime();
      Progress progress = new Progress(System.err, 1);
      try (TeleportPublisher publisher = IngestTeleportService.publisher(ctx, clock);
          AthenaPoller athena = IngestTeleportService.athenaPoller(cfg, publisher, WatermarkStore.NONE, clock)) {
        IngestStats s = athena.backfill(r[0], r[1], progress);
        System.out.printf("athena %s .. %s: %d events, %d rejected, %d recordings, %s scanned, in %s%n", r[0], r[1],
            s.events(), s.rejected(), s.recordings(), Progress.bytes(progress.bytes), Progress.elapsed(started));
      }
      return 0;
    }
  }

  private static void ensureTopics(ServiceConfig cfg, List<TopicSpec<?>> topics) {
    try (Admin admin = Admin.create(cfg.kafkaClientProperties())) {
      Topics.ensureTopics(admin, topics, 0, (short) 0, Duration.ofSeconds(30));
    }
  }

  /** Progress on stderr after each window: rows, bytes, how much of the range is done and, from that, time left. */
  static final class Progress implements dev.whodrove.runtime.BackfillProgress {
    private final PrintStream out;
    private final int parts;
    private final long started = System.nanoTime();
    private double done;
    long rows;
    long bytes;

    /** @param parts how many times the range is gone through (one per table) */
    Progress(PrintStream out, int parts) {
      this.out = out;
      this.parts = parts;
    }

    @Override
    public synchronized void window(String source, Instant from, Instant until, Instant since, Instant rangeUntil,
        long windowRows, long bytesScanned) {
      rows += windowRows;
      bytes += Math.max(0, bytesScanned);
      done += (double) Duration.between(from, until).toMillis()
          / Math.max(1, Duration.between(since, rangeUntil).toMillis()) / parts;
      long elapsedMs = (System.nanoTime() - started) / 1_000_000;
      String left = done <= 0 || done >= 1 ? "" : ", about "
          + text(Duration.ofMillis((long) (elapsedMs * (1 - done) / done))) + " left";
      out.printf("%s %s .. %s: %d rows%s; %d rows, %s so far, %.0f%% done%s%n", source, from, until, windowRows,
          bytesScanned < 0 ? "" : ", " + bytes(bytesScanned), rows, bytes(bytes), 100 * Math.min(1, done), left);
    }

    static String bytes(long b) {
      if (b < 1024) {
        return b + " B";
      }
      String[] units = {"KiB", "MiB", "GiB", "TiB"};
      double v = b;
      int i = -1;
      while (v >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
      }
      return String.format("%.1f %s", v, units[i]);
    }

    static String elapsed(long startedNanos) {
      return text(Duration.ofMillis((System.nanoTime() - startedNanos) / 1_000_000));
    }

    /** 750ms, 42s, 4m12s, 1h3m. */
    static String text(Duration d) {
      if (d.toSeconds() < 1) {
        return d.toMillis() + "ms";
      }
      long s = d.toSeconds();
      return (s >= 3600 ? s / 3600 + "h" : "") + (s % 3600 >= 60 ? s % 3600 / 60 + "m" : "")
          + (s % 60 > 0 || s < 60 ? s % 60 + "s" : "");
    }
  }
}
