package dev.whodrove.ingest.teleport;

import dev.whodrove.runtime.DeadLetters;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * Reads new complete lines from Teleport's JSON audit log files under a log directory ({@code **}{@code /*.log}:
 * {@code <host-uuid>/YYYY-MM-DD.00:00:00.log}, one file per UTC day). Files are identified by device + inode, so a
 * renamed file is followed to its end and a replaced or truncated one is read from the start. A last line without
 * its newline is held back until it is complete; in a file renamed away (no longer a {@code *.log} the writer
 * appends to), an unterminated last line is read once the file has not grown between two polls. Offsets only move
 * when the caller {@link #commit commits} them, i.e. after the lines were acknowledged downstream.
 */
final class FileLogTailer {
  /** Subdirectories of the log dir that hold recordings or temporary copies, never audit logs. */
  private static final Set<String> SKIP_DIRS = Set.of("records", "upload", "playbacks", "multi", "streaming");

  /**
   * One complete line. When {@code truncated}, {@code bytes} holds its first bytes up to the size limit, and
   * {@code length} and {@code sha256} (else null) describe the whole line without its newline.
   */
  record Line(Path file, long offset, long endOffset, byte[] bytes, boolean truncated, long length, byte[] sha256) {}

  /** Lines read from one file in one batch, and the offset to commit after they are handled. */
  record Batch(Path file, String fileKey, List<Line> lines, long commitOffset) {}

  /** How much of a file's head identifies its content (enough to cover the first event). */
  static final int HEAD_BYTES = 1024;

  private final Path logDir;
  private final TailState state;
  private final int maxLineBytes;

  FileLogTailer(Path logDir, TailState state, int maxLineBytes) {
    this.logDir = logDir;
    this.state = state;
    this.maxLineBytes = maxLineBytes;
  }

  /** Reads up to {@code maxLines} new lines per file from every log file; empty batches are left out. */
  List<Batch> poll(int maxLines) throws IOException {
    Map<String, Path> logs = scanLogs();
    Map<String, Path> byKey = new HashMap<>();
    for (Path p : logs.values()) {
      String k = fileKey(p);
      if (k != null) {
        byKey.put(k, p);
      }
    }
    // re-attach every tracked position to wherever its file (device + inode) is now: a rename is followed, a file
    // that vanished is forgotten, and a path that now holds a new file starts again at 0 below
    Map<String, TailState.FilePosition> relocated = new LinkedHashMap<>();
    for (Map.Entry<String, TailState.FilePosition> e : state.files.entrySet()) {
      String key = e.getValue().fileKey;
      Path where = byKey.get(key);
      if (where == null) {
        where = findByKey(Path.of(e.getKey()).getParent(), key);
      }
      if (where != null) {
        relocated.put(where.toString(), e.getValue());
      }
    }
    state.files.clear();
    state.files.putAll(relocated);
    for (Map.Entry<String, Path> e : logs.entrySet()) {
      if (!state.files.containsKey(e.getKey())) {
        String key = fileKey(e.getValue());
        if (key != null) {
          state.files.put(e.getKey(), new TailState.FilePosition(key, 0));
        }
      }
    }
    List<Batch> out = new ArrayList<>();
    for (Map.Entry<String, TailState.FilePosition> e : new ArrayList<>(state.files.entrySet())) {
      Path p = Path.of(e.getKey());
      TailState.FilePosition pos = e.getValue();
      if (Files.size(p) < pos.offset || (pos.headLength > 0 && headCrc(p, pos.headLength) != pos.headCrc)) {
        pos.offset = 0; // truncated (and maybe rewritten) in place: start over
        pos.headLength = 0;
      }
      Batch b = read(p, pos.fileKey, pos.offset, maxLines, false);
      boolean rotatedAway = !logs.containsKey(e.getKey());
      if (rotatedAway && b.lines().isEmpty() && b.commitOffset() == pos.offset) {
        long size = Files.size(p);
        if (size > pos.offset && size == pos.tailSize) {
          b = read(p, pos.fileKey, pos.offset, maxLines, true); // the writer moved on: its last line is all there is
        } else {
          pos.tailSize = size; // an unterminated last line: look again at the next poll
        }
      }
      if (!b.lines().isEmpty() || b.commitOffset() != pos.offset) {
        out.add(b);
      } else if (rotatedAway && Files.size(p) <= pos.offset) {
        state.files.remove(e.getKey()); // drained: a rotated file does not grow again
      }
    }
    return out;
  }

  /** Records that the lines of {@code batch} were handled. */
  void commit(Batch batch) {
    TailState.FilePosition p = state.files.get(batch.file().toString());
    if (p != null && p.fileKey.equals(batch.fileKey())) {
      p.offset = batch.commitOffset();
      int head = (int) Math.min(HEAD_BYTES, p.offset);
      if (head > p.headLength) {
        try {
          p.headCrc = headCrc(batch.file(), head);
          p.headLength = head;
        } catch (IOException e) {
          p.headLength = 0; // vanished meanwhile; the next poll sorts it out
        }
      }
    }
  }

  /**
   * Reads complete lines from {@code offset}; with {@code takeTail}, an unterminated last line too (the file is
   * finished).
   */
  private Batch read(Path p, String key, long offset, int maxLines, boolean takeTail) throws IOException {
    List<Line> lines = new ArrayList<>();
    long commit = offset;
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.position(offset);
      InputStream in = Channels.newInputStream(ch);
      byte[] chunk = new byte[1 << 16];
      LineBuffer line = new LineBuffer();
      long chunkStart = offset; // file offset of chunk[0]
      long lineStart = offset;
      int n;
      outer:
      while (lines.size() < maxLines && (n = in.read(chunk)) > 0) {
        int from = 0;
        for (int i = 0; i < n; i++) {
          if (chunk[i] != '\n') {
            continue;
          }
          line.append(chunk, from, i - from);
          long end = chunkStart + i + 1;
          if (!line.isBlank()) {
            lines.add(line.toLine(p, lineStart, end));
          }
          commit = end;
          lineStart = end;
          line.reset();
          from = i + 1;
          if (lines.size() >= maxLines) {
            break outer;
          }
        }
        line.append(chunk, from, n - from); // a partial line: held until its newline arrives
        chunkStart += n;
      }
      if (takeTail && lines.size() < maxLines && chunkStart > lineStart) {
        if (!line.isBlank()) {
          lines.add(line.toLine(p, lineStart, chunkStart));
        }
        commit = chunkStart;
      }
    }
    return new Batch(p, key, lines, commit);
  }

  /**
   * One line being read: its bytes up to the size limit; past the limit, only its length and a SHA-256 of the whole
   * (the line goes to the DLQ with its head, length and digest).
   */
  private final class LineBuffer {
    private final ByteArrayOutputStream head = new ByteArrayOutputStream(1024);
    private long length;
    private MessageDigest digest;

    void append(byte[] b, int off, int len) {
      length += len;
      if (digest != null) {
        digest.update(b, off, len);
        return;
      }
      int room = maxLineBytes - head.size();
      if (len <= room) {
        head.write(b, off, len);
        return;
      }
      head.write(b, off, Math.max(0, room));
      digest = DeadLetters.newSha256();
      digest.update(head.toByteArray());
      digest.update(b, off + Math.max(0, room), len - Math.max(0, room));
    }

    void reset() {
      head.reset();
      length = 0;
      digest = null;
    }

    /** Nothing, or only the {@code \r} of a CRLF line end. */
    boolean isBlank() {
      return length == 0 || (length == 1 && head.toByteArray()[0] == '\r');
    }

    Line toLine(Path p, long start, long end) {
      byte[] bytes = head.toByteArray();
      if (digest != null) {
        return new Line(p, start, end, bytes, true, length, digest.digest());
      }
      if (bytes.length > 0 && bytes[bytes.length - 1] == '\r') {
        bytes = java.util.Arrays.copyOf(bytes, bytes.length - 1);
      }
      return new Line(p, start, end, bytes, false, bytes.length, null);
    }
  }

  /** Every {@code *.log} regular file under the log dir (symlinks such as {@code events.log} are skipped). */
  private Map<String, Path> scanLogs() throws IOException {
    Map<String, Path> out = new TreeMap<>();
    if (!Files.isDirectory(logDir)) {
      return out;
    }
    Files.walkFileTree(logDir, Set.of(), 8, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        return !dir.equals(logDir) && SKIP_DIRS.contains(dir.getFileName().toString())
            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (attrs.isRegularFile() && file.getFileName().toString().endsWith(".log")) {
          out.put(file.toString(), file);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException exc) {
        return FileVisitResult.CONTINUE; // vanished between listing and reading
      }
    });
    return out;
  }

  private static Path findByKey(Path dir, String key) throws IOException {
    if (dir == null || !Files.isDirectory(dir)) {
      return null;
    }
    try (var s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && key.equals(fileKey(p))) {
          return p;
        }
      }
    }
    return null;
  }

  private static long headCrc(Path p, int length) throws IOException {
    byte[] head = new byte[length];
    int n = 0;
    try (InputStream in = Files.newInputStream(p)) {
      while (n < length) {
        int r = in.read(head, n, length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
    }
    CRC32 crc = new CRC32();
    crc.update(head, 0, n);
    return n < length ? -1 : crc.getValue();
  }

  static String fileKey(Path p) {
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      Object k = a.fileKey();
      return k != null ? k.toString() : "path:" + p.toAbsolutePath();
    } catch (IOException e) {
      return null;
    }
  }
}
