package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.cli.embedded.DemoRun;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.sim.GcpSimulator;
import dev.whodrove.sim.SimulatedDataset;
import dev.whodrove.sim.TeleportSimulator;
import dev.whodrove.sink.SessionSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's run, as a separate process from the packaged CLI: {@code whodrove up --config} over a Teleport data
 * dir and a GCP archive that hold 30 good Teleport sessions and every GCP profile behind poison (an absurd timestamp,
 * a 3 MiB event, deep nesting, a path-traversal session id, lines that are not JSON, a 2 MiB GCP entry, corrupt
 * recordings). Every good session gets a verdict, every reject is in a dead-letter topic with its reason, the process
 * keeps running, and SIGTERM ends it with status 0 within 40 s.
 */
class UpOverHostileInputIT {
  private static final Duration VERDICTS_WITHIN = Duration.ofSeconds(Long.getLong("verdicts.within.s", 300));
  private static final Pattern RUNNING = Pattern.compile("running .* on (\\S+); health ports");

  @TempDir Path tmp;

  @Test
  void everyGoodSessionGetsAVerdictAndSigtermEndsTheRunCleanly() throws Exception {
    Map<String, Integer> teleport = new LinkedHashMap<>();
    List<String> profiles = TeleportSimulator.PROFILES;
    for (int i = 0; i < 30; i++) {
      teleport.merge(profiles.get(i % profiles.size()), 1, Integer::sum);
    }
    Map<String, Integer> gcp = new LinkedHashMap<>();
    GcpSimulator.PROFILES.forEach(p -> gcp.put(p, 2));
    SimulatedDataset.Summary data = SimulatedDataset.write(tmp.resolve("data"), 11, teleport, gcp);
    Set<String> corrupt = HostileInputs.plantCorruptRecordings(data);
    int teleportPoison = HostileInputs.plantTeleportPoison(data);
    int gcpPoison = HostileInputs.plantGcpPoison(data);
    Set<String> teleportIds = DemoRun.teleportSessionIds(data);
    assertThat(teleportIds).hasSize(30);
    Set<String> principals = gcpPrincipals(data.truthFile());

    Path db = tmp.resolve("sessions.sqlite");
    Path config = tmp.resolve("whodrove.properties");
    Files.writeString(config, String.join("\n",
        "http.port=0",
        "topics.partitions=2",
        "shutdown.timeout=15s",
        "teleport.file.enabled=true",
        "teleport.file.data.dir=" + data.teleportDataDir(),
        "teleport.file.poll.interval=500ms",
        "teleport.file.records.settle=300ms",
        "gcp.archive.paths=" + data.gcpDir(),
        "gcp.archive.mode=watch",
        "decoder.store.file.roots=" + data.recordsDir(),
        "featurizer.punctuate.interval=1s",
        "featurizer.gcp.wall.close.after=4s",
        "featurizer.gcp.burst.wall.close.after=4s",
        "classifier.json.mirror.enabled=true",
        "sink.db.path=" + db,
        "sink.db.synchronous=NORMAL", ""));

    Path out = tmp.resolve("up.out");
    Process up = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx2g", "-XX:+UseSerialGC", "-jar", cliJar().toString(),
        "up", "--config", config.toString(), "--work-dir", tmp.resolve("work").toString())
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      String bootstrap = awaitBootstrap(up, out);
      Set<String> expected = new HashSet<>(teleportIds);
      expected.addAll(corrupt);
      List<SessionSummary> sessions = awaitVerdicts(up, out, db, expected, principals);

      Map<String, SessionSummary> byId = sessions.stream()
          .collect(Collectors.toMap(SessionSummary::sessionId, s -> s));
      for (String sid : corrupt) {
        assertThat(byId.get(sid).parseError()).as(sid).isNotBlank();
      }
      assertThat(byId.keySet()).noneMatch(id -> id.contains("etc/passwd") || id.contains("p00"));

      List<DeadLetter> audit = deadLetters(bootstrap, Topics.TELEPORT_AUDIT_EVENTS.deadLetterTopic());
      assertThat(audit).hasSize(teleportPoison).allSatisfy(d -> assertThat(d.getReason()).isNotBlank());
      assertThat(audit).anySatisfy(d -> assertThat(d.getOriginalTruncated()).isTrue())
          .anySatisfy(d -> assertThat(d.getSource().toString()).isNotBlank());
      List<DeadLetter> entries = deadLetters(bootstrap, Topics.GCP_AUDIT_ENTRIES.deadLetterTopic());
      assertThat(entries).hasSize(gcpPoison).allSatisfy(d -> assertThat(d.getReason()).isNotBlank());
      assertThat(deadLetters(bootstrap, Topics.TELEPORT_RECORDINGS.deadLetterTopic())).hasSize(corrupt.size());
      assertThat(up.isAlive()).as("still running after the poison").isTrue();

      long signalled = System.nanoTime();
      up.destroy(); // SIGTERM
      assertThat(up.waitFor(40, TimeUnit.SECONDS)).as("exited within 40 s of SIGTERM").isTrue();
      assertThat(up.exitValue()).as("exit status after SIGTERM; output:%n%s", tail(out)).isZero();
      System.out.printf("up exited %.1f s after SIGTERM%n", (System.nanoTime() - signalled) / 1e9);
    } finally {
      up.destroyForcibly();
    }
  }

  private static Path cliJar() {
    Path jar = Path.of(System.getProperty("whodrove.cli.jar", "target/whodrove-cli.jar"));
    assertThat(jar).as("the packaged CLI (mvn package runs before the integration tests)").exists();
    return jar;
  }

  private static Set<String> gcpPrincipals(Path truth) throws Exception {
    ObjectMapper json = new ObjectMapper();
    Set<String> principals = new HashSet<>();
    for (String line : Files.readAllLines(truth)) {
      JsonNode n = json.readTree(line);
      if (n.has("principal")) {
        principals.add(n.get("principal").asText());
      }
    }
    return principals;
  }

  private static String awaitBootstrap(Process up, Path out) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(up.isAlive()).as("up exited early:%n%s", tail(out)).isTrue();
      Matcher m = RUNNING.matcher(Files.readString(out));
      if (m.find()) {
        return m.group(1);
      }
      Thread.sleep(200);
    }
    throw new AssertionError("up did not start within 120 s:\n" + tail(out));
  }

  /** Every expected Teleport session has operator.type, and every GCP principal has a verdicted GCP session. */
  private static List<SessionSummary> awaitVerdicts(Process up, Path out, Path db, Set<String> teleport,
      Set<String> principals) throws Exception {
    long deadline = System.nanoTime() + VERDICTS_WITHIN.toNanos();
    while (true) {
      assertThat(up.isAlive()).as("up exited:%n%s", tail(out)).isTrue();
      List<SessionSummary> sessions = Files.exists(db) ? DemoRun.list(db) : List.of();
      Set<String> done = sessions.stream().filter(s -> s.label("operator.type") != null)
          .map(SessionSummary::sessionId).collect(Collectors.toSet());
      Set<String> gcpDone = sessions.stream()
          .filter(s -> s.substrate() != null && s.substrate().startsWith("gcp") && s.label("operator.type") != null)
          .map(SessionSummary::user).collect(Collectors.toSet());
      List<String> missing = new ArrayList<>();
      teleport.stream().filter(id -> !done.contains(id)).forEach(missing::add);
      principals.stream().filter(p -> !gcpDone.contains(p)).map(p -> "gcp:" + p).forEach(missing::add);
      if (missing.isEmpty()) {
        return sessions;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no verdict within " + VERDICTS_WITHIN.toSeconds() + " s for " + missing + "\n"
            + tail(out) + "\nreadiness: " + readiness(out));
      }
      Thread.sleep(1_000);
    }
  }

  /** Each service's {@code /readyz}, from the health ports {@code up} printed. */
  private static String readiness(Path out) {
    StringBuilder r = new StringBuilder();
    try {
      Matcher ports = Pattern.compile("(\\S+?)=(\\d+)[,}]").matcher(Files.readString(out).replaceAll("(?s).*health ports \\{", ""));
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      while (ports.find()) {
        var res = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
            + ports.group(2) + "/readyz")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        r.append("\n  ").append(ports.group(1)).append(": ").append(res.body());
      }
    } catch (Exception e) {
      r.append(e);
    }
    return r.toString();
  }

  private static List<DeadLetter> deadLetters(String bootstrap, String topic) {
    List<DeadLetter> letters = new ArrayList<>();
    DemoRun.readAll(bootstrap, topic, r -> {
      try {
        letters.add(DeadLetter.parseFrom(r.value()));
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new AssertionError(topic + "@" + r.offset() + " is not a DeadLetter", e);
      }
    });
    return letters;
  }

  private static String tail(Path out) {
    try {
      List<String> lines = Files.readAllLines(out);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 300), lines.size()));
    } catch (Exception e) {
      return "(no output: " + e + ")";
    }
  }
}
