package dev.whodrove.ingest.teleport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.runtime.HealthServer;
import dev.whodrove.runtime.Readiness;
import dev.whodrove.runtime.ServiceConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Slow intake clients hold the intake's workers for at most the body timeout and never reach the health port. */
class HttpIntakeSlowClientsTest {
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void healthAnswersWhileSlowClientsHoldTheIntake() throws Exception {
    CollectingOutput sink = new CollectingOutput();
    List<Socket> slow = new ArrayList<>();
    try (HealthServer health = new HealthServer("127.0.0.1", 0, () -> Readiness.ready("ok"),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        HttpIntakeServer intake = new HttpIntakeServer(ServiceConfig.of(Map.of(
            HttpIntakeServer.HOST, "127.0.0.1", HttpIntakeServer.PORT, "0", HttpIntakeServer.TOKEN, "t",
            HttpIntakeServer.THREADS, "2", HttpIntakeServer.HEADER_TIMEOUT, "2s",
            HttpIntakeServer.BODY_TIMEOUT, "1s")), sink, new AuditEventParser())) {
      intake.start();
      for (int i = 0; i < 60; i++) {
        Socket s = new Socket("127.0.0.1", intake.port());
        slow.add(s);
        // a few promise a body they never finish (each holds one of the two workers for the body timeout), the
        // rest never finish their headers (they hold no thread, and are closed after the header timeout)
        String start = i % 10 == 0
            ? "POST / HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\nContent-Length: 1000\r\n\r\n{\"ev"
            : "POST / HTTP/1.1\r\nHost: h\r\nAuthor";
        s.getOutputStream().write(start.getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
      }
      HttpRequest healthz = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health.port() + "/healthz"))
          .timeout(Duration.ofSeconds(2)).build();
      for (int i = 0; i < 5; i++) {
        long t0 = System.nanoTime();
        assertThat(client.send(healthz, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(500));
      }
      // once their deadlines pass the slow clients are gone and the intake serves again (6 stalled bodies, 2
      // workers, 1 s each: within about 3 s)
      HttpRequest event = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + intake.port() + "/"))
          .header("Authorization", "Bearer t").timeout(Duration.ofSeconds(10))
          .POST(HttpRequest.BodyPublishers.ofString(Fixtures.line("ssh-sessions.jsonl", 19))).build();
      assertThat(client.send(event, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      assertThat(sink.events).hasSize(1);
      for (Socket s : slow) {
        s.setSoTimeout(5000);
        int first = s.getInputStream().read(); // 408 for a stalled body, or closed
        assertThat(first == -1 || first == 'H').isTrue();
      }
    } finally {
      for (Socket s : slow) {
        s.close();
      }
    }
  }
}
