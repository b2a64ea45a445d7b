package dev.whodrove.siem;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.runtime.HttpEndpoint;
import dev.whodrove.schemas.v1.MergedVerdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The query endpoint over real HTTP: two instances, each with a table of where sessions live (what Kafka Streams'
 * metadata says in the service), answering locally, forwarding once, and failing with clear JSON.
 */
class SessionQueryServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client = HttpClient.newHttpClient();
  private Instance a;
  private Instance b;

  /** A lookup answering from maps. */
  static final class Instance implements SessionLookup {
    final Map<String, Location> where = new HashMap<>();
    final Map<String, MergedVerdict> views = new HashMap<>();
    SessionQueryServer server;
    volatile String unreadable;

    @Override
    public Location locate(String sessionId) {
      return where.getOrDefault(sessionId, new Local());
    }

    @Override
    public Optional<MergedVerdict> local(String sessionId) {
      if (unreadable != null) {
        throw new IllegalStateException(unreadable);
      }
      return Optional.ofNullable(views.get(sessionId));
    }

    @Override
    public String self() {
      return "127.0.0.1:" + server.port();
    }
  }

  @BeforeEach
  void start() throws Exception {
    a = new Instance();
    b = new Instance();
    for (Instance i : new Instance[] {a, b}) {
      i.server = new SessionQueryServer(i, Duration.ofSeconds(2), new SimpleMeterRegistry())
          .listen("127.0.0.1", 0, HttpEndpoint.Limits.defaults());
    }
    MergedVerdict view = MergedViews.merge(null, Verdicts.phase1("s-b", "agent", "kimi-k2.6", Verdicts.T0), 1)
        .orElseThrow();
    b.views.put("s-b", view);
    a.where.put("s-b", new SessionLookup.Remote("127.0.0.1", b.server.port()));
    a.where.put("s-gone", new SessionLookup.Remote("127.0.0.1", 1)); // nothing listens there
    a.where.put("s-moving", new SessionLookup.Unavailable("no instance holds the session's partition yet"));
    b.where.put("s-loop", new SessionLookup.Remote("127.0.0.1", a.server.port()));
    a.where.put("s-loop", new SessionLookup.Remote("127.0.0.1", b.server.port()));
  }

  @AfterEach
  void stop() {
    a.server.close();
    b.server.close();
  }

  private HttpResponse<String> get(Instance at, String path, String method) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.server.port() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    return JSON.readTree(r.body());
  }

  @Test
  void theInstanceHoldingASessionAnswersItDirectlyOrThroughAnother() throws Exception {
    HttpResponse<String> direct = get(b, "/sessions/s-b", "GET");
    assertThat(direct.statusCode()).isEqualTo(200);
    assertThat(json(direct).path("labels").path("operator.type").asText()).isEqualTo("agent");
    assertThat(direct.body()).isEqualTo(SiemJson.render(b.views.get("s-b")));

    HttpResponse<String> forwarded = get(a, "/sessions/s-b", "GET");
    assertThat(forwarded.statusCode()).isEqualTo(200);
    assertThat(forwarded.body()).isEqualTo(direct.body());
    assertThat(forwarded.headers().firstValue(SessionQueryServer.ANSWERED_BY)).hasValue(b.self());
  }

  @Test
  void errorsAreJsonWithAStatusThatSaysWhat() throws Exception {
    HttpResponse<String> unknown = get(a, "/sessions/nobody", "GET");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json(unknown).path("error").asText()).isEqualTo("not_found");
    assertThat(json(unknown).path("message").asText()).isEqualTo("no session nobody");

    assertThat(get(a, "/sessions/", "GET").statusCode()).isEqualTo(400);
    HttpResponse<String> slash = get(a, "/sessions/a%2Fb", "GET");
    assertThat(slash.statusCode()).isEqualTo(400);
    assertThat(get(a, "/sessions/" + "x".repeat(600), "GET").statusCode()).isEqualTo(400);
    assertThat(get(a, "/other", "GET").statusCode()).isEqualTo(404);
    HttpResponse<String> post = get(a, "/sessions/s-b", "POST");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");

    HttpResponse<String> moving = get(a, "/sessions/s-moving", "GET");
    assertThat(moving.statusCode()).isEqualTo(503);
    assertThat(moving.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(json(moving).path("message").asText()).contains("no instance holds").endsWith("; retry");

    HttpResponse<String> gone = get(a, "/sessions/s-gone", "GET");
    assertThat(gone.statusCode()).isEqualTo(502);
    assertThat(json(gone).path("error").asText()).isEqualTo("forward_failed");
    assertThat(json(gone).path("message").asText()).contains("127.0.0.1:1");

    // two instances that disagree (a rebalance in between) do not send the request back and forth
    HttpResponse<String> loop = get(a, "/sessions/s-loop", "GET");
    assertThat(loop.statusCode()).isEqualTo(503);
    assertThat(json(loop).path("message").asText()).contains("disagree");

    b.unreadable = "the store cannot be read now (restoring)";
    HttpResponse<String> restoring = get(b, "/sessions/s-b", "GET");
    assertThat(restoring.statusCode()).isEqualTo(503);
    assertThat(json(restoring).path("message").asText()).contains("restoring");
  }
}
