package dev.whodrove.ingest.gcp;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads JSON-lines exports of Cloud Audit Logs (one LogEntry per line, as a log-router sink writes them to Cloud
 * Storage), plain or gzipped, from files or directory trees, and publishes every line. Each line's source position
 * is {@code jsonl:<file>@<line number>}.
 *
 * <p>A file counts as done when every line was written or dead-lettered; done files are recorded (path, size,
 * modification time) in an optional state file so a later pass skips them. A changed file is read again; the
 * publisher's de-duplication absorbs the overlap within its window.
 *
 * <p>Usable as a library for backfills: {@code new JsonlArchiveSource(publisher, null, 10_000).ingest(path)}.
 */
public final class JsonlArchiveSource {
  private static final Logger log = LoggerFactory.getLogger(JsonlArchiveSource.class);
  private static final Pattern ARCHIVE_NAME = Pattern.compile(".*\\.(jsonl|ndjson|json|log)(\\.gz)?$");

  private final EntryPublisher publisher;
  private final Path stateFile;
  private final int maxInFlight;
  private final Set<String> done = new HashSet<>();
  private volatile BooleanSupplier stopRequested = () -> false;

  /**
   * @param stateFile where completed files are remembered; null remembers nothing
   * @param maxInFlight lines awaiting Kafka's acknowledgement at once
   */
  public JsonlArchiveSource(EntryPublisher publisher, Path stateFile, int maxInFlight) {
    this.publisher = publisher;
    this.stateFile = stateFile;
    this.maxInFlight = maxInFlight;
    if (stateFile != null && Files.exists(stateFile)) {
      try {
        done.addAll(Files.readAllLines(stateFile, StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read archive state file " + stateFile, e);
      }
    }
  }

  /** Makes a running pass stop after the line it is on (the file is then not marked done). */
  public void stopWhen(BooleanSupplier stop) {
    this.stopRequested = stop;
  }

  /** Reads every archive file under the given paths (files or directories). */
  public ArchiveStats ingest(List<Path> paths) throws IOException {
    ArchiveStats total = ArchiveStats.EMPTY;
    for (Path p : paths) {
      total = total.plus(ingest(p));
    }
    return total;
  }

  /** Reads one file, or every {@code *.jsonl|ndjson|json|log[.gz]} file under a directory, in name order. */
  public ArchiveStats ingest(Path path) throws IOException {
    if (!Files.exists(path)) {
      throw new IOException("archive path does not exist: " + path);
    }
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(path)) {
      try (Stream<Path> s = Files.walk(path)) {
        s.filter(Files::isRegularFile).filter(f -> ARCHIVE_NAME.matcher(f.getFileName().toString()).matches())
            .sorted().forEach(files::add);
      }
    } else {
      files.add(path);
    }
    ArchiveStats total = ArchiveStats.EMPTY;
    for (Path f : files) {
      if (stopRequested.getAsBoolean()) {
        break;
      }
      total = total.plus(ingestFile(f));
    }
    return total;
  }

  private ArchiveStats ingestFile(Path file) throws IOException {
    String fingerprint = fingerprint(file);
    synchronized (done) {
      if (done.contains(fingerprint)) {
        return new ArchiveStats(0, 1, 0, 0, 0, 0, 0);
      }
    }
    String locator = file.toAbsolutePath().toString();
    AtomicLong produced = new AtomicLong();
    AtomicLong duplicates = new AtomicLong();
    AtomicLong deadLettered = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    Semaphore inFlight = new Semaphore(maxInFlight);
    long lines = 0;
    long lineNo = 0;
    boolean stopped = false;
    int max = publisher.parser().maxEntryBytes();
    try (InputStream in = open(file)) {
      BoundedLineReader reader = new BoundedLineReader(in, max);
      BoundedLineReader.Line line;
      while ((line = reader.next()) != null) {
        lineNo++;
        if (line.length() == 0 || isBlank(line.bytes())) {
          continue;
        }
        if (stopRequested.getAsBoolean()) {
          stopped = true;
          break;
        }
        lines++;
        inFlight.acquireUninterruptibly();
        var position = SourcePositions.of(SourcePositions.JSONL, locator, lineNo);
        var future = line.overflowed()
            ? publisher.deadLetter(line.bytes(), position, RejectReason.TOO_LARGE,
                RejectReason.TOO_LARGE.code() + ": line of " + line.length() + " bytes > max " + max, null)
            : publisher.publish(line.bytes(), position);
        future.whenComplete((outcome, err) -> {
          if (err != null) {
            failed.incrementAndGet();
            log.warn("{} line {}: not written: {}", locator, position.getOffset(), err.toString());
          } else {
            switch (outcome) {
              case PRODUCED -> produced.incrementAndGet();
              case DUPLICATE -> duplicates.incrementAndGet();
              case DEAD_LETTERED -> deadLettered.incrementAndGet();
            }
          }
          inFlight.release();
        });
      }
    } finally {
      publisher.flush();
      inFlight.acquireUninterruptibly(maxInFlight);
    }
    boolean complete = !stopped && failed.get() == 0;
    if (complete) {
      markDone(fingerprint);
    }
    return new ArchiveStats(complete ? 1 : 0, 0, lines, produced.get(), duplicates.get(), deadLettered.get(),
        failed.get());
  }

  private static InputStream open(Path file) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
    return file.getFileName().toString().endsWith(".gz") ? new java.util.zip.GZIPInputStream(in, 64 * 1024) : in;
  }

  private static boolean isBlank(byte[] b) {
    for (byte x : b) {
      if (x != ' ' && x != '\t' && x != '\r') {
        return false;
      }
    }
    return true;
  }

  private static String fingerprint(Path file) throws IOException {
    return Files.size(file) + "\t" + Files.getLastModifiedTime(file).toMillis() + "\t" + file.toAbsolutePath();
  }

  private void markDone(String fingerprint) throws IOException {
    synchronized (done) {
      if (!done.add(fingerprint) || stateFile == null) {
        return;
      }
      if (stateFile.getParent() != null) {
        Files.createDirectories(stateFile.getParent());
      }
      Files.writeString(stateFile, fingerprint + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
  }
}
