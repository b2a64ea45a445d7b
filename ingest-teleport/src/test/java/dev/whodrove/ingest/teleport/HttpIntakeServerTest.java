package dev.whodrove.ingest.teleport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpIntakeServerTest {
  private final CollectingOutput sink = new CollectingOutput();
  private HttpIntakeServer server;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    server = new HttpIntakeServer(ServiceConfig.of(Map.of(HttpIntakeServer.PORT, "0",
        HttpIntakeServer.HOST, "127.0.0.1", HttpIntakeServer.TOKEN, "s3cret")), sink, new AuditEventParser());
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> post(String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/events"))
        .header("X-Request-Id", "req-1").POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void acceptsSingleEventsAndNdjsonAfterTheSinkAcknowledged() throws Exception {
    String one = Fixtures.line("ssh-sessions.jsonl", 19);
    assertThat(post("s3cret", one).statusCode()).isEqualTo(200);
    String pretty = "{\n  \"event\": \"session.leave\",\n  \"uid\": \"p1\",\n  \"time\": \"2024-01-01T00:00:00Z\"\n}";
    assertThat(post("s3cret", pretty).body()).contains("\"accepted\":1");
    String batch = Fixtures.line("ssh-sessions.jsonl", 7) + "\n{oops}\n" + Fixtures.line("ssh-sessions.jsonl", 8)
        + "\n";
    HttpResponse<String> r = post("s3cret", batch);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"accepted\":2", "\"rejected\":1", "req-1");
    assertThat(sink.events).hasSize(4);
    assertThat(sink.dead).singleElement().satisfies(d -> {
      assertThat(d.position().getSource()).isEqualTo("http");
      assertThat(d.position().getLocator()).isEqualTo("req-1");
      assertThat(d.position().getOffset()).isEqualTo(1);
    });
    // a line that is not even an object does not make the body one item: the good lines around it still count
    String mixed = Fixtures.line("ssh-sessions.jsonl", 7) + "\nnot an event\n" + Fixtures.line("ssh-sessions.jsonl", 8);
    assertThat(post("s3cret", mixed).body()).contains("\"accepted\":2", "\"rejected\":1");
  }

  @Test
  void refusesWrongTokensAndAnswers503WhenKafkaDoesNotAcknowledge() throws Exception {
    assertThat(post(null, "{}").statusCode()).isEqualTo(401);
    assertThat(post("nope", "{}").statusCode()).isEqualTo(401);
    sink.failing = true;
    assertThat(post("s3cret", Fixtures.line("ssh-sessions.jsonl", 19)).statusCode()).isEqualTo(503);
  }

  @Test
  void refusesToRunOpenWithoutSayingSo() {
    assertThatThrownBy(() -> new HttpIntakeServer(ServiceConfig.of(Map.of(HttpIntakeServer.PORT, "0")), sink,
        new AuditEventParser())).isInstanceOf(ConfigException.class).hasMessageContaining("http.intake.token");
  }

  @Test
  void bodiesOverTheLimitGet413AndNothingIsWritten() throws Exception {
    try (HttpIntakeServer small = new HttpIntakeServer(ServiceConfig.of(Map.of(HttpIntakeServer.PORT, "0",
        HttpIntakeServer.HOST, "127.0.0.1", HttpIntakeServer.TOKEN, "s3cret",
        HttpIntakeServer.MAX_BODY_BYTES, "2048")), sink, new AuditEventParser())) {
      small.start();
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + small.port() + "/events")).header("Authorization", "Bearer s3cret")
          .POST(HttpRequest.BodyPublishers.ofString("{\"event\":\"" + "x".repeat(4096) + "\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(413);
      assertThat(r.body()).contains("larger than 2048 bytes");
      assertThat(sink.events).isEmpty();
      assertThat(sink.dead).isEmpty();
    }
  }

  @Test
  void theDefaultBodyLimitIsAFewMebibytes() throws Exception {
    HttpResponse<String> r = post("s3cret", "{\"event\":\"" + "x".repeat(5 << 20) + "\"}");
    assertThat(r.statusCode()).isEqualTo(413);
  }
}
