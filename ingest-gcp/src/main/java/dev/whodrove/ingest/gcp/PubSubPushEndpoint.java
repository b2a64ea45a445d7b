package dev.whodrove.ingest.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.whodrove.schemas.v1.SourcePosition;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP endpoint for Pub/Sub push subscriptions. Each POST carries one envelope
 * {@code {"message":{"data":<base64 LogEntry>,"messageId":…,"attributes":…},"subscription":…}}.
 *
 * <p>Answers: 204 once the entry (or its dead letter) is acknowledged by Kafka, so Pub/Sub drops the message;
 * 400 for a malformed envelope, after writing it to the dead-letter topic; 401 for a missing or wrong token
 * ({@code Authorization: Bearer <token>} or {@code ?token=<token>} on the push URL); 413 for an oversized body
 * (dead-lettered, truncated); 503 when Kafka did not acknowledge in time, so Pub/Sub retries.
 */
public final class PubSubPushEndpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PubSubPushEndpoint.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final EntryPublisher publisher;
  private final HttpServer server;
  private final ExecutorService executor;
  private final byte[] token;
  private final Duration ackTimeout;
  private final int maxBodyBytes;
  private final String requestIdPrefix = "push-" + Long.toString(System.currentTimeMillis(), 36) + "-";
  private final AtomicLong requests = new AtomicLong();

  /**
   * @param token shared secret the push URL carries; null or empty accepts every request
   * @param ackTimeout how long a request waits for Kafka before answering 503
   */
  public PubSubPushEndpoint(EntryPublisher publisher, String host, int port, String path, String token,
      Duration ackTimeout, int threads) throws IOException {
    this.publisher = publisher;
    this.token = token == null || token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
    this.ackTimeout = ackTimeout;
    // base64 grows the entry by 4/3; leave room for attributes and the envelope
    this.maxBodyBytes = publisher.parser().maxEntryBytes() / 3 * 4 + 64 * 1024;
    this.server = HttpServer.create(new InetSocketAddress(host, port), 128);
    this.executor = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "gcp-push-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext(path, this::handle);
  }

  public void start() {
    server.start();
  }

  /** The bound port (useful when configured as 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      if (!"POST".equals(ex.getRequestMethod())) {
        ex.getResponseHeaders().add("Allow", "POST");
        respond(ex, 405, "POST a Pub/Sub push envelope");
        return;
      }
      if (!authorized(ex)) {
        respond(ex, 401, "missing or wrong token");
        return;
      }
      String requestId = requestIdPrefix + requests.incrementAndGet();
      byte[] body = readBounded(ex.getRequestBody(), maxBodyBytes);
      SourcePosition httpPos = SourcePositions.of(SourcePositions.HTTP, requestId, -1);
      if (body.length > maxBodyBytes) {
        int status = await(publisher.deadLetter(body, httpPos, RejectReason.TOO_LARGE,
            RejectReason.TOO_LARGE.code() + ": push body over " + maxBodyBytes + " bytes", null)) ? 413 : 503;
        respond(ex, status, status == 413 ? "body too large" : "dead letter not written; retry");
        return;
      }
      Envelope env;
      try {
        env = Envelope.parse(body);
      } catch (IllegalArgumentException bad) {
        boolean written = await(publisher.deadLetter(body, httpPos, RejectReason.BAD_ENVELOPE,
            RejectReason.BAD_ENVELOPE.code() + ": " + bad.getMessage(), null));
        respond(ex, written ? 400 : 503, written ? "malformed push envelope: " + bad.getMessage()
            : "dead letter not written; retry");
        return;
      }
      String locator = env.messageId().isEmpty() ? requestId : env.messageId();
      boolean ok = await(publisher.publish(env.data(), SourcePositions.of(SourcePositions.PUBSUB_PUSH, locator, -1)));
      respond(ex, ok ? 204 : 503, ok ? null : "not acknowledged by Kafka; retry");
    } catch (RuntimeException e) {
      log.warn("push request failed: {}", e.toString());
      try {
        respond(ex, 503, "internal error; retry");
      } catch (IOException | RuntimeException ignored) {
        // the response may already be committed
      }
    }
  }

  private boolean await(java.util.concurrent.CompletableFuture<PublishOutcome> f) {
    try {
      f.get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      log.warn("push message not written: {}", e.toString());
      return false;
    }
  }

  private boolean authorized(HttpExchange ex) {
    if (token == null) {
      return true;
    }
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
        && MessageDigest.isEqual(token, auth.substring(7).trim().getBytes(StandardCharsets.UTF_8))) {
      return true;
    }
    String query = ex.getRequestURI().getRawQuery();
    if (query != null) {
      for (String kv : query.split("&")) {
        if (kv.startsWith("token=")) {
          String v = URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8);
          if (MessageDigest.isEqual(token, v.getBytes(StandardCharsets.UTF_8))) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** Reads at most {@code max + 1} bytes: one more than allowed tells the caller the body was too large. */
  private static byte[] readBounded(InputStream in, int max) throws IOException {
    byte[] b = in.readNBytes(max + 1);
    return b;
  }

  private static void respond(HttpExchange ex, int status, String message) throws IOException {
    if (message == null) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    byte[] b = (message + "\n").getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(b);
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
    server.stop(1);
    executor.shutdown();
    try {
      executor.awaitTermination(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
