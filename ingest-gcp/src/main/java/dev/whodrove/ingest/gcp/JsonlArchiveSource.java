package dev.whodrove.ingest.gcp;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import dev.whodrove.runtime.DeadLetters.Original;
import dev.whodrove.runtime.Errors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * publisher's de-duplication absorbs the overlap within its window. A file that cannot be read (a gzip cut short,
 * a permission) is logged, left not done and retried by the next pass; the other files are read meanwhile.
 *
 * <p>With {@link #watching()} (watch mode), a plain file may still be being written: an unterminated last line is
 * held back, the file is not done, and the next pass resumes at that line (complete lines are not read twice while
 * the process runs). The held line is read once its newline arrives, or when the file has not changed between two
 * passes (its writer closed it). Without it (a backfill), every file is taken as complete.
 *
 * <p>Objects in Cloud Storage ({@code gs://bucket/prefix}, {@link CloudStorageArchive}) are read the same way; they are
 * written whole, so nothing is held back, and a done object is remembered by its name and generation (and size) in the
 * same state file: a new generation of the name is read again.
 *
 * <p>Usable as a library for backfills: {@code new JsonlArchiveSource(publisher, null, 10_000).ingest(path)}.
 */
public final class JsonlArchiveSource {
  private static final Logger log = LoggerFactory.getLogger(JsonlArchiveSource.class);
  /** The names of archive files and objects. */
  public static final Pattern ARCHIVE_NAME = Pattern.compile(".*\\.(jsonl|ndjson|json|log)(\\.gz)?$");

  private final EntryPublisher publisher;
  private final Path stateFile;
  private final int maxInFlight;
  private final Set<String> done = new HashSet<>();
  /** Watch mode: where each plain file's next unread line starts, and the file as it was then. */
  private final Map<String, Resume> resume = new ConcurrentHashMap<>();
  private volatile BooleanSupplier stopRequested = () -> false;
  private volatile boolean holdUnterminated;
  private volatile String lastFileError = "";
  private volatile long rangeFromMs = Long.MIN_VALUE;
  private volatile long rangeUntilMs = Long.MAX_VALUE;
  private final AtomicLong outOfRange = new AtomicLong();
  private volatile CloudStorageArchive cloudStorage;

  /** The next line of a plain file to read: its byte offset and line number (1-based) and the file when it was seen. */
  private record Resume(long offset, long lineNo, long size, long modifiedMs) {}

  /**
   * @param stateFile where completed files are remembered; null remembers nothing
   * @param maxInFlight lines awaiting Kafka's acknowledgement at once
   */
  public JsonlArchiveSource(EntryPublisher publisher, Path stateFile, int maxInFlight) {
    this.publisher = publisher;
    this.stateFile = stateFile;
    this.maxInFlight = maxInFlight;
    if (stateFile != null && Files.exists(stateFile)) {
      done.addAll(loadState(stateFile));
    }
  }

  /**
   * One line of the state file, tab-separated: size, modification time (ms) and absolute path of a done file, or size,
   * generation and {@code gs://} URI of a done object.
   */
  private static final Pattern FINGERPRINT = Pattern.compile("\\d{1,19}\t-?\\d{1,19}\t.+");

  /**
   * The fingerprints in the state file. Lines that are not fingerprints (bytes that are not UTF-8, a line cut short
   * by a crash during an append, anything else) are dropped: the files they named are read again, which the
   * publisher's de-duplication and the featurizer absorb as far as docs/reliability.md says ("Corrupt state files").
   * Then the file is moved aside for the operator and written anew with what was kept, so later appends start on a
   * line of their own. Only a file that cannot be read, moved aside or rewritten refuses the start.
   */
  static Set<String> loadState(Path stateFile) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(stateFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read archive state file " + stateFile + ": " + Errors.oneLine(e), e);
    }
    Set<String> kept = new java.util.LinkedHashSet<>();
    List<String> dropped = new ArrayList<>();
    int start = 0;
    while (start < bytes.length) {
      int end = start;
      while (end < bytes.length && bytes[end] != '\n') {
        end++;
      }
      String line = strictUtf8(bytes, start, end - start);
      if (line == null) {
        dropped.add("a line that is not UTF-8 at byte " + start);
      } else if (end == bytes.length) {
        dropped.add("an unterminated last line " + quoted(line));
      } else if (FINGERPRINT.matcher(line).matches()) {
        kept.add(line);
      } else if (!line.isEmpty()) {
        dropped.add("the line " + quoted(line));
      }
      start = end + 1;
    }
    if (dropped.isEmpty()) {
      return kept;
    }
    try {
      Path aside = dev.whodrove.runtime.StateFiles.setAside(stateFile, java.time.Instant.now());
      Path tmp = Files.createTempFile(stateFile.toAbsolutePath().getParent(), stateFile.getFileName().toString(),
          ".tmp");
      Files.write(tmp, kept.stream().map(k -> k + "\n").collect(java.util.stream.Collectors.joining())
          .getBytes(StandardCharsets.UTF_8));
      Files.move(tmp, stateFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      log.warn("archive state file {} is corrupt, moved aside to {}; kept {} done files; lost {} ({}): the files "
          + "they named are read again", stateFile, aside, kept.size(), dropped.size(), String.join("; ", dropped));
    } catch (IOException e) {
      throw new UncheckedIOException("archive state file " + stateFile + " is corrupt (" + String.join("; ", dropped)
          + ") and cannot be moved aside and written anew: " + Errors.oneLine(e), e);
    }
    return kept;
  }

  private static String strictUtf8(byte[] b, int off, int len) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b, off, len)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      return null;
    }
  }

  private static String quoted(String s) {
    return "'" + (s.length() <= 64 ? s : s.substring(0, 64) + "…") + "'";
  }

  /**
   * Watch mode: files may still be being written, so an unterminated last line of a plain file is held back until its
   * newline arrives or the file stops changing between passes.
   */
  public JsonlArchiveSource watching() {
    this.holdUnterminated = true;
    return this;
  }

  /**
   * A backfill of a time range: entries whose {@code timestamp} is outside {@code [since, until)} are skipped (counted
   * by {@link #outOfRange()}); lines that are no usable entry are still dead-lettered.
   */
  public JsonlArchiveSource within(java.time.Instant since, java.time.Instant until) {
    this.rangeFromMs = since.toEpochMilli();
    this.rangeUntilMs = until.toEpochMilli();
    return this;
  }

  /** Entries skipped because their time was outside the range of {@link #within}. */
  public long outOfRange() {
    return outOfRange.get();
  }

  /** Why the last file that could not be read failed (empty when the last pass read every file). */
  public String lastFileError() {
    return lastFileError;
  }

  /** Makes a running pass stop after the line it is on (the file is then not marked done). */
  public void stopWhen(BooleanSupplier stop) {
    this.stopRequested = stop;
  }

  /** Where {@code gs://} locations are read ({@link #ingestLocations}). */
  public JsonlArchiveSource cloudStorage(CloudStorageArchive gcs) {
    this.cloudStorage = gcs;
    return this;
  }

  /**
   * Reads every archive under the given locations of {@code gcp.archive.paths}: {@code gs://bucket/prefix} (through
   * {@link #cloudStorage}), else a local file or directory.
   */
  public ArchiveStats ingestLocations(List<String> locations) throws IOException {
    ArchiveStats total = ArchiveStats.EMPTY;
    List<String> errors = new ArrayList<>();
    for (String l : locations) {
      total = total.plus(CloudStorageArchive.Prefix.isUri(l) ? ingest(CloudStorageArchive.Prefix.parse(l))
          : ingest(Path.of(l)));
      if (!lastFileError.isEmpty()) {
        errors.add(lastFileError);
      }
    }
    lastFileError = String.join("; ", errors);
    return total;
  }

  /** Reads every archive file under the given paths (files or directories). */
  public ArchiveStats ingest(List<Path> paths) throws IOException {
    ArchiveStats total = ArchiveStats.EMPTY;
    List<String> errors = new ArrayList<>();
    for (Path p : paths) {
      total = total.plus(ingest(p));
      if (!lastFileError.isEmpty()) {
        errors.add(lastFileError);
      }
    }
    lastFileError = String.join("; ", errors);
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
    String error = "";
    for (Path f : files) {
      if (stopRequested.getAsBoolean()) {
        break;
      }
      try {
        total = total.plus(ingestFile(f));
      } catch (IOException | RuntimeException e) {
        // one unreadable file must not hold up the others: it stays not done and the next pass tries it again
        error = f + ": " + Errors.oneLine(e);
        log.warn("archive file not read (retried by the next pass): {}", error);
      }
    }
    lastFileError = error;
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
    boolean gz = file.getFileName().toString().endsWith(".gz");
    boolean mayGrow = holdUnterminated && !gz;
    long size = Files.size(file);
    long modified = Files.getLastModifiedTime(file).toMillis();
    Resume from = mayGrow ? resume.get(locator) : null;
    if (from != null && size < from.offset()) {
      from = null; // truncated or replaced: read it from the start
    }
    // unchanged since the pass that held its last line back: the writer is done with it
    boolean closed = from != null && from.size() == size && from.modifiedMs() == modified;
    long startOffset = from == null ? 0 : from.offset();
    Writes w = new Writes(locator);
    long lines = 0;
    long lineNo = from == null ? 0 : from.lineNo() - 1;
    boolean stopped = false;
    Resume held = null;
    long readTo = startOffset;
    try (InputStream in = open(file, startOffset)) {
      BoundedLineReader reader = new BoundedLineReader(in, publisher.parser().maxEntryBytes());
      BoundedLineReader.Line line;
      long lineStart = startOffset;
      while ((line = reader.next()) != null) {
        lineNo++;
        if (mayGrow && !line.terminated() && !closed) {
          held = new Resume(lineStart, lineNo, size, modified); // half written: wait for the rest
          break;
        }
        lineStart = startOffset + reader.position();
        readTo = lineStart;
        if (line.length() == 0 || isBlank(line.bytes())) {
          continue;
        }
        if (stopRequested.getAsBoolean()) {
          stopped = true;
          break;
        }
        lines++;
        w.publish(line, lineNo);
      }
    } finally {
      w.drain();
    }
    long failed = w.failed.get();
    boolean complete = !stopped && failed == 0 && held == null;
    if (mayGrow && failed == 0 && !stopped) {
      // the next pass resumes after what was handled (at the held line, if any) while this process runs
      resume.put(locator, held != null ? held : new Resume(readTo, lineNo + 1, size, modified));
    }
    if (complete) {
      markDone(fingerprint);
    }
    return w.stats(complete, lines);
  }

  /**
   * Reads every archive object under a {@code gs://bucket/prefix} ({@link #cloudStorage}); an object read to the end
   * with every line written is remembered by name and generation and not read again, a new generation is. A listing
   * or an object that fails is reported by {@link #lastFileError()} and left for the next pass.
   */
  public ArchiveStats ingest(CloudStorageArchive.Prefix prefix) {
    CloudStorageArchive gcs = cloudStorage;
    if (gcs == null) {
      throw new IllegalStateException("no Cloud Storage client for " + prefix);
    }
    List<CloudStorageArchive.StoredObject> objects;
    try {
      objects = gcs.list(prefix, ARCHIVE_NAME);
    } catch (IOException | RuntimeException e) {
      lastFileError = Errors.oneLine(e);
      log.warn("archive listing failed (retried by the next pass): {}", lastFileError);
      return ArchiveStats.EMPTY;
    }
    ArchiveStats total = ArchiveStats.EMPTY;
    String error = "";
    for (CloudStorageArchive.StoredObject o : objects) {
      if (stopRequested.getAsBoolean()) {
        break;
      }
      try {
        total = total.plus(ingestObject(gcs, o));
      } catch (IOException | RuntimeException e) {
        error = o.uri() + "#" + o.generation() + ": " + Errors.oneLine(e);
        log.warn("archive object not read (retried by the next pass): {}", error);
      }
    }
    lastFileError = error;
    return total;
  }

  private ArchiveStats ingestObject(CloudStorageArchive gcs, CloudStorageArchive.StoredObject o) throws IOException {
    String fingerprint = o.fingerprint();
    synchronized (done) {
      if (done.contains(fingerprint)) {
        return new ArchiveStats(0, 1, 0, 0, 0, 0, 0);
      }
    }
    // objects are written whole: no line is held back, in watch mode either
    Writes w = new Writes(o.uri());
    long lines = 0;
    long lineNo = 0;
    boolean stopped = false;
    try (InputStream raw = gcs.open(o)) {
      InputStream in = new BufferedInputStream(raw, 64 * 1024);
      if (o.name().endsWith(".gz")) {
        in = new java.util.zip.GZIPInputStream(in, 64 * 1024);
      }
      BoundedLineReader reader = new BoundedLineReader(in, publisher.parser().maxEntryBytes());
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
        w.publish(line, lineNo);
      }
    } finally {
      w.drain();
    }
    boolean complete = !stopped && w.failed.get() == 0;
    if (complete) {
      markDone(fingerprint);
    }
    return w.stats(complete, lines);
  }

  /** The writes of one file's or object's lines: at most maxInFlight awaiting Kafka, counted by outcome. */
  private final class Writes {
    final String locator;
    final AtomicLong produced = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong deadLettered = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final Semaphore inFlight = new Semaphore(maxInFlight);
    final int max = publisher.parser().maxEntryBytes();

    Writes(String locator) {
      this.locator = locator;
    }

    /** Publishes the line (or dead-letters it), unless a backfill's range leaves its entry out. */
    void publish(BoundedLineReader.Line line, long lineNo) {
      ParseOutcome parsed = null;
      if ((rangeFromMs != Long.MIN_VALUE || rangeUntilMs != Long.MAX_VALUE) && !line.overflowed()) {
        parsed = publisher.parser().parse(line.bytes());
        if (parsed instanceof ParseOutcome.Accepted a && (a.entry().getTimestampMs() < rangeFromMs
            || a.entry().getTimestampMs() >= rangeUntilMs)) {
          outOfRange.incrementAndGet();
          return;
        }
      }
      inFlight.acquireUninterruptibly();
      var position = SourcePositions.of(SourcePositions.JSONL, locator, lineNo);
      ParseOutcome inRange = parsed;
      var future = line.overflowed()
          ? publisher.deadLetter(Original.head(Arrays.copyOf(line.bytes(), Math.min(line.bytes().length, max)),
                  line.length(), line.sha256()), position, RejectReason.TOO_LARGE,
              RejectReason.TOO_LARGE.code() + ": line of " + line.length() + " bytes > max " + max, null)
          : inRange != null ? publisher.publishParsed(inRange, line.bytes(), position)
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

    /** Sends what is buffered and waits until every write was answered. */
    void drain() {
      publisher.flush();
      inFlight.acquireUninterruptibly(maxInFlight);
    }

    ArchiveStats stats(boolean complete, long lines) {
      return new ArchiveStats(complete ? 1 : 0, 0, lines, produced.get(), duplicates.get(), deadLettered.get(),
          failed.get());
    }
  }

  private static InputStream open(Path file, long offset) throws IOException {
    InputStream raw = Files.newInputStream(file);
    if (offset > 0) {
      raw.skipNBytes(offset);
    }
    InputStream in = new BufferedInputStream(raw, 64 * 1024);
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
