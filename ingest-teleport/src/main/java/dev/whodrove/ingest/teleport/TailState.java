package dev.whodrove.ingest.teleport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.StateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the file backend has read, kept in a small JSON file so a restart resumes: per log file its identity
 * (file key, i.e. device + inode) and the byte offset after the last acknowledged line, plus the names of the
 * recordings already published from the records directory. Written atomically (temp file + rename); a corrupt one
 * is moved aside and the source starts without it ({@link #load}).
 */
final class TailState {
  private static final Logger log = LoggerFactory.getLogger(TailState.class);
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

  /**
   * The state in {@code file}; empty when there is none. A file that is not a state file (not JSON, or entries that
   * are not positions) is moved aside ({@link StateFiles#setAside}) and what it held is dropped: a dropped position
   * is read again from the start of its log, a dropped recording name published again (docs/reliability.md, "Corrupt
   * state files"). Only a file that cannot be read at all, or moved aside, refuses the start.
   */
  static TailState load(Path file) {
    TailState s = new TailState(file);
    if (file == null || !Files.isRegularFile(file)) {
      return s;
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read file-backend state " + file + ": " + Errors.oneLine(e), e);
    }
    List<String> dropped = new ArrayList<>();
    String unreadable = null;
    try {
      JsonNode root = MAPPER.readTree(bytes);
      if (root == null || !root.isObject()) {
        unreadable = "not a JSON object";
      } else {
        readFiles(root.get("files"), s, dropped);
        readRecordings(root.get("recordings"), s, dropped);
      }
    } catch (IOException e) {
      unreadable = "not JSON: " + Errors.oneLine(e);
    }
    if (unreadable == null && dropped.isEmpty()) {
      return s;
    }
    Path aside;
    try {
      aside = StateFiles.setAside(file, Instant.now());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read file-backend state " + file + " (" + (unreadable != null
          ? unreadable : String.join("; ", dropped)) + ") and cannot move it aside: " + Errors.oneLine(e), e);
    }
    if (unreadable != null) {
      s.files.clear();
      s.recordings.clear();
      log.warn("file-backend state {} is corrupt ({}), moved aside to {}: every log position and every published "
          + "recording it held is lost; each log file is read again from its start and each recording in the "
          + "records dir published again", file, unreadable, aside);
    } else {
      log.warn("file-backend state {} holds {} unusable entries, moved aside to {}; kept {} log positions and {} "
          + "published recordings, lost: {}", file, dropped.size(), aside, s.files.size(), s.recordings.size(),
          String.join("; ", dropped));
    }
    return s;
  }

  /** Log positions; an entry that is not one is dropped (its file is then read from the start). */
  private static void readFiles(JsonNode files, TailState s, List<String> dropped) {
    if (files == null || files.isNull()) {
      return;
    }
    if (!files.isArray()) {
      dropped.add("\"files\" is not a list: every log position");
      return;
    }
    for (JsonNode f : files) {
      String why = positionProblem(f);
      if (why != null) {
        dropped.add("the position " + TeleportTimes.quoted(f.toString()) + " (" + why + "): that log is read again "
            + "from its start");
        continue;
      }
      FilePosition p = new FilePosition(f.get("file_key").asText(), f.get("offset").asLong());
      p.headCrc = f.path("head_crc").asLong();
      p.headLength = f.path("head_length").asInt();
      s.files.put(f.get("path").asText(), p);
    }
  }

  /** Why {@code f} is not a usable position, or null. */
  private static String positionProblem(JsonNode f) {
    if (!f.isObject()) {
      return "not an object";
    }
    JsonNode path = f.get("path");
    if (path == null || !path.isTextual() || path.asText().isEmpty()) {
      return "no path";
    }
    try {
      Path.of(path.asText());
    } catch (InvalidPathException e) {
      return "not a path";
    }
    JsonNode key = f.get("file_key");
    if (key == null || !key.isTextual() || key.asText().isEmpty()) {
      return "no file key";
    }
    JsonNode offset = f.get("offset");
    if (offset == null || !offset.canConvertToExactIntegral() || !offset.canConvertToLong() || offset.asLong() < 0) {
      return "no offset, or a negative one";
    }
    JsonNode crc = f.path("head_crc");
    if (!crc.isMissingNode() && (!crc.canConvertToExactIntegral() || !crc.canConvertToLong() || crc.asLong() < 0
        || crc.asLong() > 0xFFFF_FFFFL)) {
      return "head_crc out of range";
    }
    JsonNode head = f.path("head_length");
    // bounded: the tailer reads that many bytes into memory to check the head
    if (!head.isMissingNode() && (!head.canConvertToExactIntegral() || !head.canConvertToInt() || head.asInt() < 0
        || head.asInt() > FileLogTailer.HEAD_BYTES || head.asLong() > offset.asLong())) {
      return "head_length out of range";
    }
    return null;
  }

  /** Names of published recordings; one that is not a {@code <sid>.tar} name is dropped (published again). */
  private static void readRecordings(JsonNode recordings, TailState s, List<String> dropped) {
    if (recordings == null || recordings.isNull()) {
      return;
    }
    if (!recordings.isArray()) {
      dropped.add("\"recordings\" is not a list: every recording is published again");
      return;
    }
    for (JsonNode r : recordings) {
      String name = r.isTextual() ? r.asText() : "";
      if (!name.endsWith(".tar") || !RecordingRefs.validSid(name.substring(0, name.length() - ".tar".length()))) {
        dropped.add("the recording name " + TeleportTimes.quoted(r.toString()) + ": not a <sid>.tar name");
        continue;
      }
      s.recordings.add(name);
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
