package dev.whodrove.cli.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.sim.GcpSimulator;
import dev.whodrove.sim.SimulatedDataset;
import dev.whodrove.sim.TeleportSimulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Simulated sources that fill up while a test runs, so faults land while sessions flow: every session is simulated
 * into a staging directory up front, then {@link #release} hands sessions over to the live Teleport data dir the
 * ingest service tails, as Teleport would: the session's audit lines appended to the auth server's log, its finished
 * recording moved into {@code records/}. The GCP archive is in place from the start (a backfill).
 */
final class TrickledSources {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SimulatedDataset.Summary stage;
  private final SimulatedDataset.Summary live;
  private final List<String> sessionIds;
  /** Audit lines by session id, each with the log file (relative to the log dir) it belongs in. */
  private final Map<String, List<String[]>> auditLines = new LinkedHashMap<>();
  private final List<String[]> sessionlessLines = new ArrayList<>();
  private int released;

  private TrickledSources(SimulatedDataset.Summary stage, SimulatedDataset.Summary live, List<String> sessionIds) {
    this.stage = stage;
    this.live = live;
    this.sessionIds = sessionIds;
  }

  /**
   * Simulates {@code teleportPerProfile} sessions of every Teleport profile and {@code gcpPerProfile} principals of
   * every GCP profile under {@code dir/stage}; the live sources are under {@code dir/live}.
   */
  static TrickledSources simulate(Path dir, long seed, int teleportPerProfile, int gcpPerProfile)
      throws IOException {
    Map<String, Integer> teleport = new LinkedHashMap<>();
    TeleportSimulator.PROFILES.forEach(p -> teleport.put(p, teleportPerProfile));
    Map<String, Integer> gcp = new LinkedHashMap<>();
    GcpSimulator.PROFILES.forEach(p -> gcp.put(p, gcpPerProfile));
    SimulatedDataset.Summary stage = SimulatedDataset.write(dir.resolve("stage"), seed, teleport, gcp);
    SimulatedDataset.Summary live = new SimulatedDataset.Summary(dir.resolve("live"), stage.teleportSessions(),
        stage.gcpActivities(), stage.gcpEntries(), stage.recordingBytes());
    Files.createDirectories(live.recordsDir());
    Files.createDirectories(live.gcpDir());
    try (Stream<Path> archives = Files.list(stage.gcpDir())) {
      for (Path a : archives.toList()) {
        Files.copy(a, live.gcpDir().resolve(a.getFileName()));
      }
    }
    List<String> ids = new ArrayList<>();
    for (String line : Files.readAllLines(stage.truthFile())) {
      JsonNode n = JSON.readTree(line);
      if (n.has("session_id")) {
        ids.add(n.get("session_id").asText());
      }
    }
    Files.copy(stage.truthFile(), live.truthFile());
    TrickledSources t = new TrickledSources(stage, live, List.copyOf(ids));
    t.readAuditLogs();
    return t;
  }

  private void readAuditLogs() throws IOException {
    Path logDir = stage.teleportDataDir().resolve("log");
    String stageRecords = stage.recordsDir().toUri().toString().replaceAll("/$", "");
    String liveRecords = live.recordsDir().toUri().toString().replaceAll("/$", "");
    Set<String> teleportSessions = Set.copyOf(sessionIds);
    List<Path> logs;
    try (Stream<Path> walk = Files.walk(logDir)) {
      logs = walk.filter(p -> p.toString().endsWith(".log")).sorted().toList();
    }
    for (Path log : logs) {
      String relative = logDir.relativize(log).toString();
      for (String line : Files.readAllLines(log)) {
        // session.upload names where the recording is: the live records dir, not the staging one
        String[] entry = {relative, line.replace(stageRecords, liveRecords)};
        JsonNode sid = JSON.readTree(line).get("sid");
        if (sid != null && teleportSessions.contains(sid.asText())) {
          auditLines.computeIfAbsent(sid.asText(), k -> new ArrayList<>()).add(entry);
        } else {
          sessionlessLines.add(entry);
        }
      }
    }
  }

  /** The live sources: what the ingest services read. */
  SimulatedDataset.Summary live() {
    return live;
  }

  List<String> sessionIds() {
    return sessionIds;
  }

  synchronized int released() {
    return released;
  }

  synchronized boolean allReleased() {
    return released == sessionIds.size();
  }

  /**
   * Releases {@code perWave} sessions every {@code every} on a thread of its own, the first wave at once, until all
   * are out; closing it stops early.
   */
  AutoCloseable releaseEvery(int perWave, Duration every) {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "trickle");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(() -> {
      if (!allReleased()) {
        release(perWave);
      }
    }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    return timer::shutdownNow;
  }

  /** Waits until at least {@code n} sessions are out. */
  void awaitReleased(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (released() < Math.min(n, sessionIds.size())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + released() + " of " + n + " sessions released within " + timeout);
      }
      Thread.sleep(50);
    }
  }

  /** Hands the next {@code n} sessions (and, with the first, every line outside a session) to the live sources. */
  synchronized void release(int n) {
    try {
      List<String[]> lines = new ArrayList<>();
      if (released == 0) {
        lines.addAll(sessionlessLines);
      }
      int until = Math.min(sessionIds.size(), released + n);
      List<String> batch = sessionIds.subList(released, until);
      for (String sid : batch) {
        lines.addAll(auditLines.getOrDefault(sid, List.of()));
      }
      for (String sid : batch) {
        // the finished recording appears whole, as Teleport's upload completer publishes it
        Files.move(stage.recordsDir().resolve(sid + ".tar"), live.recordsDir().resolve(sid + ".tar"),
            StandardCopyOption.ATOMIC_MOVE);
      }
      Map<String, StringBuilder> byFile = new LinkedHashMap<>();
      for (String[] l : lines) {
        byFile.computeIfAbsent(l[0], k -> new StringBuilder()).append(l[1]).append('\n');
      }
      for (var e : byFile.entrySet()) {
        Path log = live.teleportDataDir().resolve("log").resolve(e.getKey());
        Files.createDirectories(log.getParent());
        Files.writeString(log, e.getValue(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      }
      released = until;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
