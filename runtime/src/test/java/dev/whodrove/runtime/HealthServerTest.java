package dev.whodrove.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HealthServerTest {
  private final HttpClient client = HttpClient.newHttpClient();

  private HttpResponse<String> send(int port, String method, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesHealthReadinessAndMetrics() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.counter("whodrove.test.things").increment();
    try (HealthServer health = new HealthServer("127.0.0.1", 0, () -> Readiness.notReady("kafka unreachable"),
        registry)) {
      int port = health.port();
      assertThat(send(port, "GET", "/healthz").body()).isEqualTo("ok\n");
      HttpResponse<String> ready = send(port, "GET", "/readyz");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).isEqualTo("not ready: kafka unreachable\n");
      assertThat(send(port, "GET", "/metrics").body()).contains("whodrove_test_things_total 1.0");
      HttpResponse<String> head = send(port, "HEAD", "/healthz");
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.body()).isEmpty();
      assertThat(send(port, "POST", "/healthz").statusCode()).isEqualTo(405);
      assertThat(send(port, "GET", "/other").statusCode()).isEqualTo(404);
      // what the container health check sends
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.getOutputStream().write("GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        InputStream in = s.getInputStream();
        assertThat(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).lines().findFirst()).hasValueSatisfying(
            status -> assertThat(status).contains(" 200 "));
      }
    }
  }
}
