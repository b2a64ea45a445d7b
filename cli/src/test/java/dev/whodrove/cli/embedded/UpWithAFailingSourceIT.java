package dev.whodrove.cli.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.whodrove.cli.embedded.EmbeddedPipeline.Mode;
import dev.whodrove.cli.embedded.EmbeddedPipeline.Watch;
import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code up} (a long run): one Teleport source that cannot work, whether it fails every pass or cannot even start,
 * does not stop the process; it is reported with its reason, again and again while it lasts, on its {@code /readyz}
 * too, and every other service keeps running. {@code demo} and {@code bench} (finite runs) still fail at once. A
 * corrupt state file is no reason not to start: it is moved aside and the source starts from a safe position.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class UpWithAFailingSourceIT {
  private static final Watch FAST = new Watch(Duration.ofSeconds(3), Duration.ofMillis(100), Duration.ofMillis(500));

  @TempDir Path tmp;

  private Path teleportDataDir() throws Exception {
    Path teleport = tmp.resolve("teleport");
    Files.createDirectories(teleport.resolve("log/h"));
    Files.createDirectories(teleport.resolve("log/records")); // every pass ends by saving the state file
    Files.writeString(teleport.resolve("log/h/2024-05-01.00:00:00.log"),
        "{\"event\":\"session.start\",\"uid\":\"u1\",\"time\":\"2024-05-01T10:00:00Z\",\"sid\":\"s1\"}\n");
    return teleport;
  }

  private Map<String, Map<String, String>> services(Path statePath) throws Exception {
    Map<String, Map<String, String>> perService = new LinkedHashMap<>();
    perService.put("ingest-gcp", Map.of("gcp.archive.paths", Files.createDirectories(tmp.resolve("gcp")).toString(),
        "gcp.archive.mode", "watch"));
    perService.put("ingest-teleport", Map.of("teleport.file.enabled", "true",
        "teleport.file.data.dir", teleportDataDir().toString(), "teleport.file.state.path", statePath.toString(),
        "teleport.file.poll.interval", "100ms"));
    return perService;
  }

  private static final Map<String, String> COMMON = Map.of("http.port", "0", "shutdown.timeout", "5s");

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  private static ListAppender<ILoggingEvent> captureLog() {
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger logger = (Logger) LoggerFactory.getLogger(EmbeddedPipeline.class);
    logger.setLevel(Level.INFO);
    logger.addAppender(logged);
    return logged;
  }

  private static void releaseLog(ListAppender<ILoggingEvent> logged) {
    Logger logger = (Logger) LoggerFactory.getLogger(EmbeddedPipeline.class);
    logger.detachAppender(logged);
    logger.setLevel(null); // back to the configured level for the tests after this one
  }

  private static long warnings(ListAppender<ILoggingEvent> logged, String service, String reasonPart) {
    return List.copyOf(logged.list).stream().filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.startsWith(service + " ") && m.contains(reasonPart)).count();
  }

  @Test
  void aSourceFailingEveryPassIsReportedRepeatedlyAndTheRestKeepsRunning(EmbeddedKafkaBroker broker)
      throws Exception {
    // the file backend cannot write its state file (a directory with something in it): every pass fails
    Path state = Files.createDirectories(tmp.resolve("state-is-a-dir"));
    Files.writeString(state.resolve("keep"), "x");
    ListAppender<ILoggingEvent> logged = captureLog();
    try (EmbeddedPipeline p = EmbeddedPipeline.start(broker.bootstrapServers(), tmp.resolve("work"), COMMON,
        services(state), Mode.KEEP_RUNNING, FAST)) {
      await(() -> p.notReady().containsKey("ingest-teleport"), "ingest-teleport reported not ready");
      assertThat(p.notReady().get("ingest-teleport")).startsWith("file: ").contains(state.toString());
      await(() -> warnings(logged, "ingest-teleport", "file: ") >= 3, "the report repeated while it lasts");
      assertThat(p.host("ingest-gcp").service().readiness().ready()).as("the rest keeps running").isTrue();
      assertThat(p.notReady()).doesNotContainKey("ingest-gcp");

      HttpResponse<String> readyz = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
          "http://127.0.0.1:" + p.healthPorts().get("ingest-teleport") + "/readyz")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(readyz.statusCode()).isEqualTo(503);
      assertThat(readyz.body()).contains("file: ");

      // the cause goes away: the source recovers and says so
      Files.delete(state.resolve("keep"));
      Files.delete(state);
      await(() -> p.notReady().isEmpty(), "ingest-teleport ready again");
      await(() -> List.copyOf(logged.list).stream().anyMatch(
          e -> e.getFormattedMessage().equals("ingest-teleport is ready again")), "the recovery logged");
    } finally {
      releaseLog(logged);
    }
  }

  /** The Teleport HTTP intake on a port something else holds: the service cannot start while it does. */
  private Map<String, Map<String, String>> servicesWithIntakeOn(int port) throws Exception {
    Map<String, Map<String, String>> perService = services(tmp.resolve("state-" + port + ".json"));
    Map<String, String> teleport = new LinkedHashMap<>(perService.get("ingest-teleport"));
    teleport.put("teleport.http.intake.enabled", "true");
    teleport.put("teleport.http.intake.host", "127.0.0.1");
    teleport.put("teleport.http.intake.port", Integer.toString(port));
    teleport.put("teleport.http.intake.token", "test-token");
    perService.put("ingest-teleport", teleport);
    return perService;
  }

  @Test
  void aSourceThatCannotStartIsRetriedAndTheRestKeepsRunning(EmbeddedKafkaBroker broker) throws Exception {
    ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    int port = taken.getLocalPort();
    ListAppender<ILoggingEvent> logged = captureLog();
    try (EmbeddedPipeline p = EmbeddedPipeline.start(broker.bootstrapServers(), tmp.resolve("work2"), COMMON,
        servicesWithIntakeOn(port), Mode.KEEP_RUNNING, FAST)) {
      assertThat(p.host("ingest-teleport")).isNull();
      assertThat(p.notReady().get("ingest-teleport")).startsWith("did not start: ")
          .contains("cannot listen on 127.0.0.1:" + port);
      assertThat(p.host("ingest-gcp").service().readiness().ready()).isTrue();
      await(() -> warnings(logged, "ingest-teleport", "did not start") >= 2, "the report repeated");

      taken.close(); // fixed: the next attempt starts it
      await(() -> p.host("ingest-teleport") != null && p.notReady().isEmpty(), "ingest-teleport started");
    } finally {
      taken.close();
      releaseLog(logged);
    }
  }

  @Test
  void aCorruptStateFileIsMovedAsideAndTheSourceStartsFromTheBeginning(EmbeddedKafkaBroker broker)
      throws Exception {
    Path state = tmp.resolve("corrupt-state.json");
    Files.writeString(state, "{ this is not the state file");
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger tailState = (Logger) LoggerFactory.getLogger("dev.whodrove.ingest.teleport.TailState");
    tailState.addAppender(logged);
    try (EmbeddedPipeline p = EmbeddedPipeline.start(broker.bootstrapServers(), tmp.resolve("work4"), COMMON,
        services(state), Mode.KEEP_RUNNING, FAST)) {
      assertThat(p.host("ingest-teleport")).as("started anyway").isNotNull();
      // the first pass read the log from its start and saved a whole state file
      await(() -> {
        try {
          return Files.readString(state).contains("\"offset\":" + Files.size(logFile()));
        } catch (java.io.IOException e) {
          return false;
        }
      }, "the log read from its start");
      assertThat(p.notReady()).isEmpty();
    } finally {
      tailState.detachAppender(logged);
    }
    try (var files = Files.list(tmp)) {
      assertThat(files.filter(f -> f.getFileName().toString().startsWith("corrupt-state.json.corrupt-")))
          .singleElement().satisfies(f -> assertThat(Files.readString(f)).isEqualTo("{ this is not the state file"));
    }
    assertThat(logged.list).singleElement().satisfies(e -> {
      assertThat(e.getLevel()).isEqualTo(Level.WARN);
      assertThat(e.getFormattedMessage()).contains(state.toString(), "is corrupt", "read again from its start");
    });
  }

  private Path logFile() {
    return tmp.resolve("teleport/log/h/2024-05-01.00:00:00.log");
  }

  @Test
  void aFiniteRunStillFailsAtOnce(EmbeddedKafkaBroker broker) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      assertThatThrownBy(() -> EmbeddedPipeline.start(broker.bootstrapServers(), tmp.resolve("work3"), COMMON,
          servicesWithIntakeOn(port)).close()).hasMessageContaining("cannot listen on 127.0.0.1:" + port);
    }
  }
}
