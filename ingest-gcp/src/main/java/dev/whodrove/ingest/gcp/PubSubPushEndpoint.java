package dev.whodrove.ingest.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.runtime.HttpEndpoint;
import dev.whodrove.schemas.v1.SourcePosition;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.io.IOException;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP endpoint for Pub/Sub push subscriptions. Each POST carries one envelope
 * {@code {"message":{"data":<base64 LogEntry>,"messageId":…,"attributes":…},"subscription":…}}.
 *
 * <p>Requests are authenticated by {@link PushAuthenticator} (Pub/Sub's OIDC token, or a shared token) from the
 * {@code Authorization} header only; a token in the URL is refused. Pub/Sub redelivers every answer that is not
 * 2xx, so every input that was dealt with — written, a copy, or dead-lettered (not an audit entry, not an envelope)
 * — is answered 2xx, and only a failure worth retrying gets 5xx: 204 once the entry or a copy of it is acknowledged
 * by Kafka; 200 with a note once a bad input's dead letter is; 503 when Kafka did not acknowledge in time or the
 * token signing keys could not be fetched; 401 for a missing, wrong or URL-borne token; 413 for a body over the
 * limit (not read, not dead-lettered: give the subscription a dead-letter policy); 408 for a body that does not
 * arrive in time.
 */
public final class PubSubPushEndpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PubSubPushEndpoint.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param ackTimeout how long a request waits for Kafka before answering 503
   * @param threads workers (each waits for Kafka)
   */
  public record Settings(String host, int port, String path, Duration ackTimeout, int threads,
      HttpEndpoint.Limits limits) {}

  private final EntryPublisher publisher;
  private final Settings settings;
  private final PushAuthenticator auth;
  private final MeterRegistry metrics;
  private final String requestIdPrefix = "push-" + Long.toString(System.currentTimeMillis(), 36) + "-";
  private final AtomicLong requests = new AtomicLong();
  private HttpEndpoint endpoint;

  PubSubPushEndpoint(EntryPublisher publisher, Settings settings, PushAuthenticator auth, MeterRegistry metrics) {
    this.publisher = publisher;
    this.settings = settings;
    this.auth = auth;
    this.metrics = metrics == null ? Metrics.globalRegistry : metrics;
  }

  public void start() throws IOException {
    endpoint = HttpEndpoint.start("gcp-push", settings.host(), settings.port(), settings.threads(),
        settings.limits(), null, this::handle);
    log.info("Pub/Sub push endpoint on {}:{}{} accepts {}", settings.host(), endpoint.port(), settings.path(),
        auth.describe());
  }

  /** The bound port (useful when configured as 0). */
  public int port() {
    return endpoint.port();
  }

  private HttpEndpoint.Reply handle(HttpEndpoint.Call call) throws HttpEndpoint.Refused {
    if (!call.path().equals(settings.path())) {
      return HttpEndpoint.Reply.text(404, "not found; push to " + settings.path());
    }
    if (!"POST".equals(call.method())) {
      return HttpEndpoint.Reply.text(405, "POST a Pub/Sub push envelope").withHeader("Allow", "POST");
    }
    if (hasQueryToken(call.rawQuery())) {
      return deny("token_in_url", "tokens in the URL are not accepted (URLs end up in logs); "
          + "send Authorization: Bearer <token>");
    }
    PushAuthenticator.Result who = auth.check(call.header("Authorization"));
    if (who instanceof PushAuthenticator.Denied d) {
      return deny(d.reason(), d.message());
    }
    if (who instanceof PushAuthenticator.Unavailable u) {
      return HttpEndpoint.Reply.text(503, u.message());
    }
    String requestId = requestIdPrefix + requests.incrementAndGet();
    byte[] body = call.body(); // 413 / 408 / 400 from the endpoint's limits
    SourcePosition httpPos = SourcePositions.of(SourcePositions.HTTP, requestId, -1);
    Envelope env;
    try {
      env = Envelope.parse(body);
    } catch (IllegalArgumentException bad) {
      boolean written = await(deadLetterBadEnvelope(publisher, body, httpPos, bad)) != null;
      // dead-lettered: acknowledge, or Pub/Sub would redeliver it and every copy would be dead-lettered again
      return written
          ? HttpEndpoint.Reply.text(200, "dead-lettered, not a push envelope: " + bad.getMessage())
          : HttpEndpoint.Reply.text(503, "dead letter not written; retry");
    }
    PublishOutcome outcome = await(publishEnvelope(publisher, env, requestId));
    if (outcome == null) {
      return HttpEndpoint.Reply.text(503, "not acknowledged by Kafka; retry");
    }
    return outcome == PublishOutcome.DEAD_LETTERED
        ? HttpEndpoint.Reply.text(200, "dead-lettered: not a usable audit log entry")
        : HttpEndpoint.Reply.empty(204);
  }

  /** A request body that is not a push envelope, dead-lettered with the request's position. */
  static CompletableFuture<PublishOutcome> deadLetterBadEnvelope(EntryPublisher publisher, byte[] body,
      SourcePosition httpPos, IllegalArgumentException bad) {
    return publisher.deadLetter(body, httpPos, RejectReason.BAD_ENVELOPE,
        RejectReason.BAD_ENVELOPE.code() + ": " + bad.getMessage(), null);
  }

  /** The entry an envelope carries, published at the message's position (its id, else the request's). */
  static CompletableFuture<PublishOutcome> publishEnvelope(EntryPublisher publisher, Envelope env, String requestId) {
    String locator = env.messageId().isEmpty() ? requestId : env.messageId();
    return publisher.publish(env.data(), SourcePositions.of(SourcePositions.PUBSUB_PUSH, locator, -1));
  }

  private HttpEndpoint.Reply deny(String reason, String message) {
    metrics.counter("whodrove.ingest.gcp.push.denied", "reason", reason).increment();
    log.debug("push request refused: {}", reason);
    return HttpEndpoint.Reply.text(401, message).withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
  }

  /** Whether the query carries something that looks like a credential. */
  static boolean hasQueryToken(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return false;
    }
    for (String kv : rawQuery.split("&")) {
      String name = kv.contains("=") ? kv.substring(0, kv.indexOf('=')) : kv;
      String n = java.net.URLDecoder.decode(name, java.nio.charset.StandardCharsets.UTF_8)
          .toLowerCase(java.util.Locale.ROOT);
      if (n.equals("token") || n.equals("access_token") || n.equals("id_token") || n.equals("auth")
          || n.equals("key")) {
        return true;
      }
    }
    return false;
  }

  /** The outcome once Kafka acknowledged it, or null when it did not in time. */
  private PublishOutcome await(CompletableFuture<PublishOutcome> f) {
    try {
      return f.get(settings.ackTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      log.warn("push message not written: {}", e.toString());
      return null;
    }
  }

  /** The parts of a push envelope we use. */
  record Envelope(byte[] data, String messageId) {
    static Envelope parse(byte[] body) {
      JsonNode root;
      try {
        root = JSON.readTree(body);
      } catch (IOException e) {
        throw new IllegalArgumentException("not JSON");
      }
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException("not a JSON object");
      }
      JsonNode msg = root.get("message");
      if (msg == null || !msg.isObject()) {
        throw new IllegalArgumentException("no message object");
      }
      JsonNode data = msg.get("data");
      if (data == null || !data.isTextual()) {
        throw new IllegalArgumentException("message.data missing or not a string");
      }
      byte[] decoded;
      try {
        decoded = Base64.getDecoder().decode(data.asText());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("message.data is not base64");
      }
      JsonNode id = msg.has("messageId") ? msg.get("messageId") : msg.get("message_id");
      return new Envelope(decoded, id == null || id.isNull() ? "" : id.asText());
    }
  }

  @Override
  public void close() {
    if (endpoint != null) {
      endpoint.close();
    }
  }
}
