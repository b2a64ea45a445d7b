package dev.whodrove.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.schemas.teleport.OneOf;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes simulated data in the layouts the real sources use: a self-hosted Teleport data dir
 * ({@code teleport/log/<auth-host>/<day>.00:00:00.log} JSON audit logs and {@code teleport/log/records/<sid>.tar}
 * ProtoStream recordings), Cloud Audit Log JSON-lines archives ({@code gcp/*.jsonl}) and {@code truth.jsonl} with who
 * drove each session (and {@code correlations.jsonl} with the cross-substrate expectations, when asked for).
 */
public final class SimulatedDataset {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
  /** Simulated time starts here, so runs are reproducible. */
  public static final long EPOCH_MS = Instant.parse("2026-11-02T09:00:00Z").toEpochMilli();

  /** What was written. */
  public record Summary(Path root, int teleportSessions, int gcpActivities, int gcpEntries, long recordingBytes) {
    public Path teleportDataDir() {
      return root.resolve("teleport");
    }

    public Path recordsDir() {
      return root.resolve("teleport/log/records");
    }

    public Path gcpDir() {
      return root.resolve("gcp");
    }

    public Path truthFile() {
      return root.resolve("truth.jsonl");
    }

    /** The cross-substrate expectations ({@link CrossSubstrateScenario.Expected}), one JSON object a line; absent
     * when no cross-substrate scenario was written. */
    public Path correlationTruthFile() {
      return root.resolve("correlations.jsonl");
    }
  }

  private SimulatedDataset() {}

  /**
   * @param teleportCounts sessions per Teleport profile
   * @param gcpCounts principals per GCP profile
   */
  public static Summary write(Path root, long seed, Map<String, Integer> teleportCounts,
      Map<String, Integer> gcpCounts) throws IOException {
    return write(root, seed, teleportCounts, gcpCounts, 0.0, 0);
  }

  /**
   * The same, plus {@code crossSubstrate} instances of the {@link CrossSubstrateScenario}, whose expectations go to
   * {@link Summary#correlationTruthFile()}. The other profiles' data is the same with or without them.
   */
  public static Summary write(Path root, long seed, Map<String, Integer> teleportCounts,
      Map<String, Integer> gcpCounts, int crossSubstrate) throws IOException {
    return write(root, seed, teleportCounts, gcpCounts, 0.0, crossSubstrate);
  }

  /**
   * @param spread run-to-run variation of the Teleport cadence models ({@link CadenceModel#withSpread})
   */
  public static Summary write(Path root, long seed, Map<String, Integer> teleportCounts,
      Map<String, Integer> gcpCounts, double spread) throws IOException {
    return write(root, seed, teleportCounts, gcpCounts, spread, 0);
  }

  /** Both: cadence spread and cross-substrate instances. */
  public static Summary write(Path root, long seed, Map<String, Integer> teleportCounts,
      Map<String, Integer> gcpCounts, double spread, int crossSubstrate) throws IOException {
    Path records = root.resolve("teleport/log/records");
    Path logDir = root.resolve("teleport/log/4b0e8f52-auth");
    Path gcpDir = root.resolve("gcp");
    Files.createDirectories(records);
    Files.createDirectories(logDir);
    Files.createDirectories(gcpDir);
    TeleportSimulator teleport = new TeleportSimulator(seed, EPOCH_MS, records.toUri().toString()
        .replaceAll("/$", "")).spread(spread);
    GcpSimulator gcp = new GcpSimulator(seed ^ 0x9E3779B97F4A7C15L, EPOCH_MS);

    List<ObjectNode> truth = new ArrayList<>();
    TreeMap<Long, List<String>> audit = new TreeMap<>();
    long recordingBytes = 0;
    int sessions = 0;
    List<SimulatedSession> simulated = new ArrayList<>();
    for (String profile : interleave(teleportCounts)) {
      simulated.add(teleport.next(profile));
    }
    List<GcpSimulator.Activity> gcpActivities = new ArrayList<>();
    for (String profile : interleave(gcpCounts)) {
      gcpActivities.add(gcp.next(profile));
    }
    CrossSubstrateScenario.Result cross = crossSubstrate <= 0 ? null
        : CrossSubstrateScenario.generate(seed, EPOCH_MS, crossSubstrate, records.toUri().toString()
            .replaceAll("/$", ""));
    if (cross != null) {
      simulated.addAll(cross.teleport());
      gcpActivities.addAll(cross.gcp());
    }

    for (SimulatedSession s : simulated) {
      Path tar = records.resolve(s.sessionId() + ".tar");
      Path tmp = records.resolve(s.sessionId() + ".tar.tmp");
      try (OutputStream out = Files.newOutputStream(tmp); ProtoStreamWriter w = new ProtoStreamWriter(out)) {
        for (OneOf e : s.recording()) {
          w.write(e);
        }
      }
      // publish atomically, as Teleport's upload completer does, so a watcher never sees half a file
      Files.move(tmp, tar, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      recordingBytes += Files.size(tar);
      for (String line : s.auditJsonLines()) {
        audit.computeIfAbsent(timeOf(line), k -> new ArrayList<>()).add(line);
      }
      truth.add(JSON.createObjectNode().put("session_id", s.sessionId()).put("substrate", "teleport-recording")
          .put("profile", s.profile()).put("operator", s.expectedOperator()).put("model", s.expectedModel()));
      sessions++;
    }
    writeAuditLogs(logDir, audit);

    List<String> gcpLines = new ArrayList<>();
    int activities = 0;
    for (GcpSimulator.Activity a : gcpActivities) {
      gcpLines.addAll(a.jsonLines());
      truth.add(JSON.createObjectNode().put("principal", a.principal()).put("substrate", "gcp")
          .put("profile", a.profile()).put("driver", a.driver()).put("operator", a.expectedOperator())
          .put("reason", a.expectedReason()));
      activities++;
    }
    if (cross != null) {
      try (BufferedWriter w = Files.newBufferedWriter(root.resolve("correlations.jsonl"))) {
        for (CrossSubstrateScenario.Expected e : cross.expected()) {
          w.write(JSON.createObjectNode().put("teleport_session_id", e.teleportSessionId())
              .put("gcp_principal", e.gcpPrincipal()).put("gcp_from_ms", e.gcpFromMs()).put("gcp_to_ms", e.gcpToMs())
              .put("expect", e.expect()).put("why", e.why()).toString());
          w.newLine();
        }
      }
    }
    gcpLines.sort(Comparator.comparingLong(SimulatedDataset::timeOf));
    Files.write(gcpDir.resolve("cloudaudit-" + DAY.format(Instant.ofEpochMilli(EPOCH_MS)) + ".jsonl"), gcpLines);

    try (BufferedWriter w = Files.newBufferedWriter(root.resolve("truth.jsonl"))) {
      for (ObjectNode t : truth) {
        w.write(t.toString());
        w.newLine();
      }
    }
    return new Summary(root, sessions, activities, gcpLines.size(), recordingBytes);
  }

  /** Profiles in a deterministic round-robin order, so every profile is spread over the simulated time. */
  static List<String> interleave(Map<String, Integer> counts) {
    List<String> order = new ArrayList<>();
    Map<String, Integer> left = new TreeMap<>(counts);
    boolean any = true;
    while (any) {
      any = false;
      for (var e : left.entrySet()) {
        if (e.getValue() > 0) {
          order.add(e.getKey());
          e.setValue(e.getValue() - 1);
          any = true;
        }
      }
    }
    return order;
  }

  private static void writeAuditLogs(Path logDir, TreeMap<Long, List<String>> audit) throws IOException {
    Map<String, BufferedWriter> files = new TreeMap<>();
    try {
      for (var e : audit.entrySet()) {
        String name = DAY.format(Instant.ofEpochMilli(e.getKey())) + ".00:00:00.log";
        BufferedWriter w = files.get(name);
        if (w == null) {
          w = Files.newBufferedWriter(logDir.resolve(name));
          files.put(name, w);
        }
        for (String line : e.getValue()) {
          w.write(line);
          w.newLine();
        }
      }
    } finally {
      for (BufferedWriter w : files.values()) {
        w.close();
      }
    }
  }

  private static long timeOf(String jsonLine) {
    try {
      var node = JSON.readTree(jsonLine);
      String t = node.has("time") ? node.get("time").asText() : node.get("timestamp").asText();
      return Instant.parse(t).toEpochMilli();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
