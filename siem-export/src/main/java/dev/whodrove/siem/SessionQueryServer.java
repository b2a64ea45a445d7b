package dev.whodrove.siem;

import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.HttpEndpoint;
import dev.whodrove.runtime.HttpEndpoint.Reply;
import dev.whodrove.schemas.v1.MergedVerdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /sessions/{id}}: a session's current merged view, the JSON of {@code session.labels.json}, read from the
 * store of the instance that holds the session: this one, or the one it forwards the request to (once: a forwarded
 * request is answered where it lands). Errors are JSON objects {@code {"error": …, "message": …}}: 400 a malformed
 * id, 404 an unknown session or path, 405 another method, 502 the holding instance did not answer, 503 nobody holds
 * the session's partition right now (starting, rebalancing; {@code Retry-After}). A listener of its own
 * ({@link HttpEndpoint}), so queries never hold up the health endpoints.
 */
final class SessionQueryServer implements AutoCloseable {
  static final String PATH = "/sessions/";
  /** Marks a request one instance forwarded to another; its value is the forwarding instance. */
  static final String FORWARDED_BY = "X-Whodrove-Forwarded-By";
  /** Names the instance ({@code host:port}) whose store answered. */
  static final String ANSWERED_BY = "X-Whodrove-Instance";
  static final int THREADS = 4;
  static final int MAX_ID_LENGTH = 512;

  private final SessionLookup lookup;
  private final HttpClient client;
  private final Duration forwardTimeout;
  private final MeterRegistry metrics;
  private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
  private volatile HttpEndpoint endpoint;

  SessionQueryServer(SessionLookup lookup, Duration forwardTimeout, MeterRegistry metrics) {
    this.lookup = lookup;
    this.forwardTimeout = forwardTimeout;
    this.metrics = metrics;
    this.client = HttpClient.newBuilder().connectTimeout(forwardTimeout).followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** Binds {@code host:port} (0 = any free port) and serves. */
  SessionQueryServer listen(String host, int port, HttpEndpoint.Limits limits) throws IOException {
    endpoint = HttpEndpoint.start("siem-query", host, port, THREADS, limits, null, this::handle);
    return this;
  }

  int port() {
    return endpoint.port();
  }

  Reply handle(HttpEndpoint.Call call) {
    if (!call.method().equals("GET") && !call.method().equals("HEAD")) {
      return count("bad_method", error(405, "method_not_allowed", "GET " + PATH + "{id} only"))
          .withHeader("Allow", "GET, HEAD");
    }
    String path = call.path();
    if (!path.startsWith(PATH)) {
      return count("no_route", error(404, "not_found", "no such path " + path + ": GET " + PATH + "{id}"));
    }
    String id = path.substring(PATH.length());
    String invalid = invalidId(id);
    if (invalid != null) {
      return count("bad_request", error(400, "bad_request", invalid));
    }
    SessionLookup.Location where = lookup.locate(id);
    if (where instanceof SessionLookup.Unavailable u) {
      return unavailable(u.reason());
    }
    if (where instanceof SessionLookup.Remote r) {
      if (call.header(FORWARDED_BY) != null) {
        return unavailable("this instance and " + call.header(FORWARDED_BY) + " disagree on who holds session " + id
            + " (rebalancing)");
      }
      return forward(r, id);
    }
    Optional<MergedVerdict> view;
    try {
      view = lookup.local(id);
    } catch (IllegalStateException e) {
      return unavailable(e.getMessage());
    }
    if (view.isEmpty()) {
      return count("not_found", error(404, "not_found", "no session " + id)).withHeader(ANSWERED_BY, lookup.self());
    }
    return count("ok", Reply.json(200, SiemJson.render(view.get()))).withHeader(ANSWERED_BY, lookup.self());
  }

  private Reply forward(SessionLookup.Remote r, String id) {
    String where = r.host() + ":" + r.port();
    URI uri = URI.create("http://" + where + PATH + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20"));
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(forwardTimeout).header(FORWARDED_BY, lookup.self())
        .GET().build();
    try {
      HttpResponse<byte[]> answer = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
      String type = answer.headers().firstValue("Content-Type").orElse("application/json");
      Reply reply = new Reply(answer.statusCode(), type, answer.body(), Map.of());
      Optional<String> answeredBy = answer.headers().firstValue(ANSWERED_BY);
      return count("forwarded", answeredBy.map(a -> reply.withHeader(ANSWERED_BY, a)).orElse(reply));
    } catch (IOException e) {
      return count("forward_failed", error(502, "forward_failed", "the instance holding session " + id + " ("
          + where + ") did not answer: " + Errors.oneLine(e)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return unavailable("shutting down");
    }
  }

  /** Why {@code id} is no session id, or null. */
  static String invalidId(String id) {
    if (id.isEmpty()) {
      return "no session id: GET " + PATH + "{id}";
    }
    if (id.length() > MAX_ID_LENGTH) {
      return "session id longer than " + MAX_ID_LENGTH + " characters";
    }
    if (id.indexOf('/') >= 0 || id.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      return "session id with '/' or control characters";
    }
    return null;
  }

  private Reply unavailable(String reason) {
    return count("unavailable", error(503, "unavailable", reason + "; retry")).withHeader("Retry-After", "1");
  }

  private static Reply error(int status, String error, String message) {
    return Reply.json(status, SiemJson.MAPPER.createObjectNode().put("error", error).put("message", message)
        .toString());
  }

  private Reply count(String outcome, Reply reply) {
    outcomes.computeIfAbsent(outcome, o -> Counter.builder("whodrove.siem.queries").tag("outcome", o)
        .description("GET /sessions/{id} answers by outcome").register(metrics)).increment();
    return reply;
  }

  @Override
  public void close() {
    HttpEndpoint e = endpoint;
    if (e != null) {
      e.close();
    }
  }
}
