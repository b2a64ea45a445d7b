package dev.whodrove.cli;

import dev.whodrove.sim.SimulatedDataset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** The kinds of bad input real Teleport and GCP deployments produce, planted into a simulated data set. */
final class HostileInputs {
  private HostileInputs() {}

  /** Corrupted objects a records dir can hold: truncated, garbage, and a legacy tar archive; returns their ids. */
  static Set<String> plantCorruptRecordings(SimulatedDataset.Summary data) throws IOException {
    Path records = data.recordsDir();
    Path good;
    try (var s = Files.list(records)) {
      good = s.filter(p -> p.toString().endsWith(".tar")).sorted().findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(good);
    Files.write(records.resolve("00000000-dead-0000-0000-000000000001.tar"),
        Arrays.copyOf(bytes, bytes.length / 2));
    byte[] garbage = new byte[4096];
    new Random(1).nextBytes(garbage);
    Files.write(records.resolve("00000000-dead-0000-0000-000000000002.tar"), garbage);
    byte[] tar = new byte[1024];
    System.arraycopy("ustar".getBytes(StandardCharsets.US_ASCII), 0, tar, 257, 5);
    Files.write(records.resolve("00000000-dead-0000-0000-000000000003.tar"), tar);
    return Set.of("00000000-dead-0000-0000-000000000001", "00000000-dead-0000-0000-000000000002",
        "00000000-dead-0000-0000-000000000003");
  }

  /**
   * Puts bad audit events at the head of the first audit log, so every good event comes after them: an absurd
   * timestamp, a 3 MiB {@code session.command}, JSON nested deeper than any parser should follow, a path-traversal
   * session id, and a line that is not JSON. Returns how many lines were planted.
   */
  static int plantTeleportPoison(SimulatedDataset.Summary data) throws IOException {
    Path log;
    try (var s = Files.walk(data.teleportDataDir().resolve("log"))) {
      log = s.filter(p -> p.toString().endsWith(".log")).sorted().findFirst().orElseThrow();
    }
    List<String> poison = new ArrayList<>();
    poison.add("{\"event\":\"session.start\",\"uid\":\"p-1\",\"time\":\"+999999999-12-31T23:59:59Z\","
        + "\"sid\":\"00000000-0000-4000-8000-00000000p001\",\"user\":\"mallory\"}");
    poison.add("{\"event\":\"session.command\",\"uid\":\"p-2\",\"time\":\"2026-11-02T09:00:01Z\","
        + "\"sid\":\"00000000-0000-4000-8000-00000000p002\",\"program\":\"sh\",\"argv\":[\""
        + "A".repeat(3 << 20) + "\"]}");
    poison.add("{\"event\":\"session.start\",\"uid\":\"p-3\",\"time\":\"2026-11-02T09:00:02Z\",\"x\":"
        + "[".repeat(5_000) + "]".repeat(5_000) + "}");
    poison.add("{\"event\":\"session.upload\",\"uid\":\"p-4\",\"time\":\"2026-11-02T09:00:03Z\","
        + "\"sid\":\"../../../../etc/passwd\",\"url\":\"file:///etc/passwd\"}");
    poison.add("this is not an audit event");
    List<String> lines = new ArrayList<>(poison);
    lines.addAll(Files.readAllLines(log));
    Files.write(log, lines);
    return poison.size();
  }

  /** Bad GCP archive lines at the head of the first archive: 2 MiB, an absurd timestamp, deep nesting, not JSON. */
  static int plantGcpPoison(SimulatedDataset.Summary data) throws IOException {
    Path archive;
    try (var s = Files.list(data.gcpDir())) {
      archive = s.filter(p -> p.toString().endsWith(".jsonl")).sorted().findFirst().orElseThrow();
    }
    List<String> poison = new ArrayList<>();
    poison.add("{\"insertId\":\"poison-1\",\"timestamp\":\"2026-11-02T09:00:00Z\",\"protoPayload\":{"
        + "\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\",\"methodName\":\"x\",\"request\":{\"blob\":\""
        + "B".repeat(2 << 20) + "\"}}}");
    poison.add("{\"insertId\":\"poison-2\",\"timestamp\":\"+999999999-12-31T23:59:59Z\",\"protoPayload\":{"
        + "\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\",\"methodName\":\"x\","
        + "\"authenticationInfo\":{\"principalEmail\":\"mallory@example.com\"}}}");
    poison.add("{\"insertId\":\"poison-3\",\"x\":" + "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000) + "}");
    poison.add("{\"insertId\":\"poison-4\", truncated in the middle");
    List<String> lines = new ArrayList<>(poison);
    lines.addAll(Files.readAllLines(archive));
    Files.write(archive, lines);
    return poison.size();
  }
}
