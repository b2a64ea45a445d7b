package dev.whodrove.ingest.teleport;

import dev.whodrove.ingest.teleport.SourceOutput.DeadLetterTarget;
import dev.whodrove.runtime.DeadLetters.Original;
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.StreamsService;
import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.schemas.v1.SourcePosition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Self-hosted Teleport: tails the JSON audit logs under {@code <data_dir>/log} and publishes finished recordings
 * found as {@code <data_dir>/log/records/<sid>.tar}. Positions and published recordings are remembered in a state
 * file, updated only after Kafka acknowledged what was read, so a restart neither loses nor repeats work (a crash
 * between the acknowledgement and the state write repeats at most one batch).
 */
public final class FileBackendSource implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FileBackendSource.class);

  public static final String DATA_DIR = "teleport.file.data.dir";
  public static final String LOG_DIR = "teleport.file.log.dir";
  public static final String RECORDS_DIR = "teleport.file.records.dir";
  public static final String STATE_PATH = "teleport.file.state.path";
  public static final String POLL_INTERVAL = "teleport.file.poll.interval";
  public static final String BATCH_LINES = "teleport.file.batch.lines";
  public static final String RECORDS_SETTLE = "teleport.file.records.settle";
  public static final String ACK_TIMEOUT = "teleport.file.ack.timeout";

  private final Path logDir;
  private final Path recordsDir;
  private final TailState state;
  private final FileLogTailer tailer;
  private final SourceOutput output;
  private final AuditEventParser parser;
  private final Clock clock;
  private final int batchLines;
  private final Duration settle;
  private final Duration pollInterval;
  private final Duration ackTimeout;
  private ScheduledExecutorService executor;
  private volatile String lastError = "";

  public FileBackendSource(ServiceConfig cfg, SourceOutput output, AuditEventParser parser, Clock clock) {
    Path dataDir = cfg.has(DATA_DIR) ? Path.of(cfg.get(DATA_DIR, "")) : null;
    String logDirText = cfg.get(LOG_DIR, dataDir == null ? null : dataDir.resolve("log").toString());
    if (logDirText == null) {
      throw new dev.whodrove.runtime.ConfigException("missing config " + DATA_DIR + " ("
          + ServiceConfig.keyToEnv(DATA_DIR) + "): the Teleport data dir is needed by the file backend");
    }
    this.logDir = Path.of(logDirText);
    this.recordsDir = Path.of(cfg.get(RECORDS_DIR, logDir.resolve("records").toString()));
    this.state = TailState.load(statePath(cfg));
    this.tailer = new FileLogTailer(logDir, state, AuditEventParser.DEFAULT_MAX_BYTES);
    this.output = output;
    this.parser = parser;
    this.clock = clock;
    this.batchLines = cfg.getInt(BATCH_LINES, 5000);
    this.settle = cfg.getDuration(RECORDS_SETTLE, Duration.ofSeconds(2));
    this.pollInterval = cfg.getDuration(POLL_INTERVAL, Duration.ofSeconds(1));
    this.ackTimeout = cfg.getDuration(ACK_TIMEOUT, Duration.ofMinutes(2));
  }

  /**
   * One pass: every complete log line written so far, and every settled recording in the records dir, published
   * and acknowledged; the state file is updated. Usable as a library call (the embedded demo) as well as by the
   * polling loop.
   */
  public synchronized IngestStats ingestOnce() throws IOException, InterruptedException {
    IngestStats total = IngestStats.NONE;
    while (true) {
      List<FileLogTailer.Batch> batches = tailer.poll(batchLines);
      if (batches.isEmpty()) {
        break;
      }
      for (FileLogTailer.Batch b : batches) {
        total = total.plus(publish(b));
        tailer.commit(b);
        state.save();
      }
    }
    return total.plus(scanRecords());
  }

  /** {@code teleport.file.state.path}; by default in the service's {@code state.dir}, or the working directory. */
  static Path statePath(ServiceConfig cfg) {
    String name = "ingest-teleport.file-state.json";
    String dir = cfg.get(StreamsService.STATE_DIR, null);
    return Path.of(cfg.get(STATE_PATH, dir == null ? name : Path.of(dir, name).toString()));
  }

  /**
   * One pass over the configured Teleport data dir with a producer of its own, closed afterwards: the entry point
   * for the embedded demo and for {@code Main --once}.
   */
  public static IngestStats ingestOnce(ServiceContext ctx) throws IOException, InterruptedException {
    Clock clock = Clock.systemUTC();
    try (TeleportPublisher publisher = IngestTeleportService.publisher(ctx, clock);
        FileBackendSource source = new FileBackendSource(ctx.config(), publisher, new AuditEventParser(), clock)) {
      return source.ingestOnce();
    }
  }

  private IngestStats publish(FileLogTailer.Batch batch) throws InterruptedException {
    List<CompletableFuture<?>> acks = new ArrayList<>(batch.lines().size());
    long events = 0;
    long rejected = 0;
    for (FileLogTailer.Line line : batch.lines()) {
      SourcePosition pos = SourcePosition.newBuilder().setSource("file").setLocator(line.file().toString())
          .setOffset(line.offset()).build();
      if (line.truncated()) {
        acks.add(output.deadLetter(DeadLetterTarget.AUDIT_EVENTS, pos,
            Original.head(line.bytes(), line.length(), line.sha256()), "too_large", "line of " + line.length()
                + " bytes exceeds the event size limit of " + line.bytes().length + " bytes", null));
        rejected++;
        continue;
      }
      AuditEventIntake.Accepted a = AuditEventIntake.accept(parser, output, line.bytes(), pos);
      acks.add(a.written());
      if (a.parsed()) {
        events++;
      } else {
        rejected++;
      }
    }
    await(acks);
    return new IngestStats(events, rejected, 0);
  }

  private IngestStats scanRecords() throws IOException, InterruptedException {
    if (!Files.isDirectory(recordsDir)) {
      return IngestStats.NONE;
    }
    long now = clock.millis();
    Set<String> present = new HashSet<>();
    List<CompletableFuture<?>> acks = new ArrayList<>();
    List<String> published = new ArrayList<>();
    try (var files = Files.list(recordsDir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        if (!name.endsWith(".tar")) {
          continue;
        }
        present.add(name);
        if (state.recordings.contains(name)) {
          continue;
        }
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile() || now - a.lastModifiedTime().toMillis() < settle.toMillis()) {
          continue; // still being written (Teleport concatenates the parts into it)
        }
        SourcePosition pos = SourcePosition.newBuilder().setSource("records-dir").setLocator(p.toString())
            .setOffset(-1).build();
        Optional<RecordingRef> ref = RecordingRefs.fromRecordsFile(p, a.size(), now, pos);
        if (ref.isPresent()) {
          acks.add(output.publishRecording(ref.get()));
          published.add(name);
        }
      }
    }
    await(acks);
    state.recordings.retainAll(present);
    state.recordings.addAll(published);
    state.save();
    return new IngestStats(0, 0, published.size());
  }

  private void await(List<CompletableFuture<?>> acks) throws InterruptedException {
    try {
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(ackTimeout.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Kafka did not acknowledge: " + Errors.oneLine(e.getCause()), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("Kafka did not acknowledge within " + ackTimeout, e);
    }
  }

  /** Polls every {@code teleport.file.poll.interval} on a thread of its own. */
  public synchronized void start() {
    start(dev.whodrove.runtime.ServiceThreads.unwatched());
  }

  /**
   * As {@link #start()}; a pass that ends in an {@link Error} stops the polling for good (the executor runs the
   * task no more), so it is reported to {@code threads} as the death of the polling thread.
   */
  public synchronized void start(dev.whodrove.runtime.ServiceThreads threads) {
    executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ingest-teleport-file");
      t.setDaemon(true);
      return t;
    });
    executor.scheduleWithFixedDelay(() -> {
      try {
        ingestOnce();
        lastError = "";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        // positions were not advanced: the same lines are retried on the next poll
        lastError = Errors.oneLine(e);
        log.warn("file backend pass failed, will retry: {}", lastError);
      } catch (Error e) {
        lastError = "polling stopped: " + Errors.oneLine(e);
        threads.died("ingest-teleport-file", e);
        throw e;
      }
    }, 0, pollInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Empty when the last pass succeeded, else why it failed. */
  public String lastError() {
    return lastError;
  }

  public Path logDir() {
    return logDir;
  }

  @Override
  public void close() {
    ScheduledExecutorService ex;
    synchronized (this) {
      ex = executor;
      executor = null;
    }
    if (ex != null) {
      ex.shutdown();
      try {
        if (!ex.awaitTermination(30, TimeUnit.SECONDS)) {
          ex.shutdownNow();
        }
      } catch (InterruptedException e) {
        ex.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }
}
