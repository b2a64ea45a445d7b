package dev.whodrove.runtime;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * {@code /healthz} (the process is alive: 200, or 503 with the reason once a thread it needs has been dead longer
 * than {@code liveness.grace}), {@code /readyz} (it can do its work: 200 or 503 with the reason) and
 * {@code /metrics} (Prometheus text) on one port. A listener of its own ({@link HttpEndpoint}, {@value #THREADS}
 * threads), so clients of a service's other endpoints cannot starve it; GET and HEAD only, no authentication.
 */
public final class HealthServer implements AutoCloseable {
  static final int THREADS = 2;
  /** Health requests carry no body; anything larger than this is refused. */
  static final long MAX_BODY_BYTES = 64 * 1024;

  private final HttpEndpoint endpoint;

  private static final Supplier<Readiness> ALWAYS_ALIVE = () -> Readiness.ready("ok");

  public HealthServer(String host, int port, Supplier<Readiness> readiness, PrometheusMeterRegistry registry) {
    this(host, port, HttpEndpoint.Limits.defaults(), readiness, ALWAYS_ALIVE, registry);
  }

  /** @param limits header timeout and connection limit of the health port (its body limit is fixed) */
  public HealthServer(String host, int port, HttpEndpoint.Limits limits, Supplier<Readiness> readiness,
      PrometheusMeterRegistry registry) {
    this(host, port, limits, readiness, ALWAYS_ALIVE, registry);
  }

  /** @param liveness what {@code /healthz} answers: 200 while ready, else 503 with the detail */
  public HealthServer(String host, int port, HttpEndpoint.Limits limits, Supplier<Readiness> readiness,
      Supplier<Readiness> liveness, PrometheusMeterRegistry registry) {
    HttpEndpoint.Limits own = new HttpEndpoint.Limits(MAX_BODY_BYTES, limits.headerTimeout(), limits.bodyTimeout(),
        limits.maxConnections());
    try {
      endpoint = HttpEndpoint.start("health-" + port, host, port, THREADS, own, null, call -> {
        if (!call.method().equals("GET") && !call.method().equals("HEAD")) {
          return HttpEndpoint.Reply.text(405, "GET or HEAD").withHeader("Allow", "GET, HEAD");
        }
        return switch (call.path()) {
          case "/healthz" -> {
            Readiness l = liveness.get();
            yield HttpEndpoint.Reply.text(l.ready() ? 200 : 503, l.ready() ? l.detail() : "not alive: " + l.detail());
          }
          case "/readyz" -> {
            Readiness r = readiness.get();
            yield HttpEndpoint.Reply.text(r.ready() ? 200 : 503, (r.ready() ? "ready" : "not ready") + ": "
                + r.detail());
          }
          case "/metrics" -> new HttpEndpoint.Reply(200, "text/plain; version=0.0.4; charset=utf-8",
              registry.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8), java.util.Map.of());
          default -> HttpEndpoint.Reply.text(404, "not found: /healthz, /readyz, /metrics");
        };
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + host + ":" + port + " for health endpoints", e);
    }
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return endpoint.port();
  }

  @Override
  public void close() {
    endpoint.close();
  }
}
