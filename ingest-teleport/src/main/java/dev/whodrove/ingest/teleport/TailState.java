package dev.whodrove.ingest.teleport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.runtime.Errors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the file backend has read, kept in a small JSON file so a restart resumes: per log file its identity
 * (file key, i.e. device + inode) and the byte offset after the last acknowledged line, plus the names of the
 * recordings already published from the records directory. Written atomically (temp file + rename).
 */
final class TailState {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Position in one log file. */
  static final class FilePosition {
    String fileKey;
    long offset;
    /** CRC32 of the first {@code headLength} bytes: tells a file truncated and rewritten in place from the one read. */
    long headCrc;
    int headLength;
    /** Size seen when a renamed-away file ended in an unterminated line (not kept across restarts); -1 = none. */
    long tailSize = -1;

    FilePosition(String fileKey, long offset) {
      this.fileKey = fileKey;
      this.offset = offset;
    }
  }

  private final Path file;
  final Map<String, FilePosition> files = new LinkedHashMap<>();
  final Set<String> recordings = new TreeSet<>();

  private TailState(Path file) {
    this.file = file;
  }

  static TailState load(Path file) {
    TailState s = new TailState(file);
    if (file == null || !Files.isRegularFile(file)) {
      return s;
    }
    try {
      JsonNode root = MAPPER.readTree(file.toFile());
      for (JsonNode f : root.path("files")) {
        FilePosition p = new FilePosition(f.path("file_key").asText(), f.path("offset").asLong());
        p.headCrc = f.path("head_crc").asLong();
        p.headLength = f.path("head_length").asInt();
        s.files.put(f.path("path").asText(), p);
      }
      for (JsonNode r : root.path("recordings")) {
        s.recordings.add(r.asText());
      }
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read file-backend state " + file + ": " + Errors.oneLine(e), e);
    }
  }

  synchronized void save() {
    if (file == null) {
      return;
    }
    ObjectNode root = MAPPER.createObjectNode();
    ArrayNode fs = root.putArray("files");
    files.forEach((path, p) -> fs.addObject().put("path", path).put("file_key", p.fileKey).put("offset", p.offset)
        .put("head_crc", p.headCrc).put("head_length", p.headLength));
    ArrayNode rs = root.putArray("recordings");
    recordings.forEach(rs::add);
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
      MAPPER.writeValue(tmp.toFile(), root);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write file-backend state " + file + ": " + Errors.oneLine(e), e);
    }
  }
}
