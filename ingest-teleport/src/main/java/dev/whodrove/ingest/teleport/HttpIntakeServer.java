package dev.whodrove.ingest.teleport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.whodrove.ingest.teleport.SourceOutput.DeadLetterTarget;
import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Intake for Teleport's event-handler plugin: {@code POST} one JSON event per body, or newline-delimited events.
 * Authenticated by a shared bearer token and/or TLS client certificates. Answers 200 only after Kafka acknowledged
 * every event (and the dead letters of bad lines), 503 otherwise so the sender retries.
 */
public final class HttpIntakeServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpIntakeServer.class);

  public static final String HOST = "teleport.http.intake.host";
  public static final String PORT = "teleport.http.intake.port";
  public static final String TOKEN = "teleport.http.intake.token";
  public static final String ALLOW_UNAUTHENTICATED = "teleport.http.intake.allow.unauthenticated";
  public static final String MAX_BODY_BYTES = "teleport.http.intake.max.body.bytes";
  public static final String THREADS = "teleport.http.intake.threads";
  public static final String ACK_TIMEOUT = "teleport.http.intake.ack.timeout";
  public static final String TLS_KEYSTORE = "teleport.http.intake.tls.keystore.path";
  public static final String TLS_KEYSTORE_PASSWORD = "teleport.http.intake.tls.keystore.password";
  public static final String TLS_KEYSTORE_TYPE = "teleport.http.intake.tls.keystore.type";
  public static final String TLS_TRUSTSTORE = "teleport.http.intake.tls.truststore.path";
  public static final String TLS_TRUSTSTORE_PASSWORD = "teleport.http.intake.tls.truststore.password";
  public static final String TLS_CLIENT_AUTH = "teleport.http.intake.tls.client.auth";

  private final HttpServer server;
  private final ExecutorService executor;
  private final SourceOutput output;
  private final AuditEventParser parser;
  private final byte[] token;
  private final long maxBodyBytes;
  private final Duration ackTimeout;

  public HttpIntakeServer(ServiceConfig cfg, SourceOutput output, AuditEventParser parser) throws IOException {
    this.output = output;
    this.parser = parser;
    String t = cfg.get(TOKEN, "");
    this.token = t.isEmpty() ? null : ("Bearer " + t).getBytes(StandardCharsets.UTF_8);
    boolean tls = cfg.has(TLS_KEYSTORE);
    String clientAuth = cfg.get(TLS_CLIENT_AUTH, tls && cfg.has(TLS_TRUSTSTORE) ? "need" : "none");
    if (!java.util.Set.of("none", "want", "need").contains(clientAuth)) {
      throw new ConfigException("invalid config " + TLS_CLIENT_AUTH + "=" + clientAuth + " ("
          + ServiceConfig.keyToEnv(TLS_CLIENT_AUTH) + "): expected none, want or need");
    }
    if (token == null && !(tls && clientAuth.equals("need")) && !cfg.getBoolean(ALLOW_UNAUTHENTICATED, false)) {
      throw new ConfigException("the HTTP intake needs " + TOKEN + " (" + ServiceConfig.keyToEnv(TOKEN)
          + ") or TLS client authentication, or " + ALLOW_UNAUTHENTICATED + "=true");
    }
    this.maxBodyBytes = cfg.getLong(MAX_BODY_BYTES, 64L << 20);
    this.ackTimeout = cfg.getDuration(ACK_TIMEOUT, Duration.ofSeconds(30));
    InetSocketAddress addr = new InetSocketAddress(cfg.get(HOST, "0.0.0.0"), cfg.getInt(PORT, 9441));
    if (tls) {
      HttpsServer https = HttpsServer.create(addr, 64);
      SSLContext ssl = sslContext(cfg);
      https.setHttpsConfigurator(new HttpsConfigurator(ssl) {
        @Override
        public void configure(HttpsParameters params) {
          SSLParameters p = ssl.getDefaultSSLParameters();
          // each setter clears the other flag, so set only the one that applies
          if (clientAuth.equals("need")) {
            p.setNeedClientAuth(true);
          } else if (clientAuth.equals("want")) {
            p.setWantClientAuth(true);
          }
          params.setSSLParameters(p);
        }
      });
      server = https;
    } else {
      server = HttpServer.create(addr, 64);
    }
    // a small fixed pool: when every handler waits on Kafka, new requests queue in the backlog (back-pressure)
    executor = Executors.newFixedThreadPool(cfg.getInt(THREADS, 4), r -> {
      Thread th = new Thread(r, "ingest-teleport-http");
      th.setDaemon(true);
      return th;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  private static SSLContext sslContext(ServiceConfig cfg) {
    try {
      String type = cfg.get(TLS_KEYSTORE_TYPE, "PKCS12");
      char[] pw = cfg.get(TLS_KEYSTORE_PASSWORD, "").toCharArray();
      KeyStore ks = KeyStore.getInstance(type);
      try (InputStream in = Files.newInputStream(Path.of(cfg.require(TLS_KEYSTORE)))) {
        ks.load(in, pw);
      }
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, pw);
      TrustManagerFactory tmf = null;
      if (cfg.has(TLS_TRUSTSTORE)) {
        KeyStore ts = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(Path.of(cfg.get(TLS_TRUSTSTORE, "")))) {
          ts.load(in, cfg.get(TLS_TRUSTSTORE_PASSWORD, "").toCharArray());
        }
        tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
      return ctx;
    } catch (Exception e) {
      throw new ConfigException("cannot set up TLS for the HTTP intake from " + TLS_KEYSTORE + ": " + e.getMessage());
    }
  }

  public void start() {
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String requestId = ex.getRequestHeaders().getFirst("X-Request-Id");
      if (requestId == null || requestId.isBlank() || requestId.length() > 128) {
        requestId = UUID.randomUUID().toString();
      }
      ex.getResponseHeaders().set("X-Request-Id", requestId);
      if (!"POST".equals(ex.getRequestMethod()) && !"PUT".equals(ex.getRequestMethod())) {
        respond(ex, 405, "{\"error\":\"POST one JSON event or newline-delimited events\"}");
        return;
      }
      if (token != null && !authorized(ex.getRequestHeaders().getFirst("Authorization"))) {
        respond(ex, 401, "{\"error\":\"missing or wrong bearer token\"}");
        return;
      }
      byte[] body = ex.getRequestBody().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
      if (body.length > maxBodyBytes) {
        respond(ex, 413, "{\"error\":\"body larger than " + maxBodyBytes + " bytes\"}");
        return;
      }
      List<CompletableFuture<?>> acks = new ArrayList<>();
      int accepted = 0;
      int rejected = 0;
      List<byte[]> items = split(body);
      for (int i = 0; i < items.size(); i++) {
        SourcePosition pos = SourcePosition.newBuilder().setSource("http").setLocator(requestId).setOffset(i).build();
        try {
          TeleportAuditEvent e = parser.parse(items.get(i), pos);
          acks.add(output.publishEvent(e));
          accepted++;
        } catch (EventRejectedException r) {
          acks.add(output.deadLetter(DeadLetterTarget.AUDIT_EVENTS, pos, items.get(i), r));
          rejected++;
        }
      }
      try {
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(ackTimeout.toMillis(),
            TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        respond(ex, 503, "{\"error\":\"shutting down\"}");
        return;
      } catch (Exception e) {
        log.warn("request {}: Kafka did not acknowledge: {}", requestId, e.toString());
        respond(ex, 503, "{\"error\":\"not stored, retry\",\"request_id\":\"" + requestId + "\"}");
        return;
      }
      respond(ex, 200, "{\"accepted\":" + accepted + ",\"rejected\":" + rejected + ",\"request_id\":\""
          + requestId + "\"}");
    }
  }

  /**
   * One event per body, or one per line. A body that is a single (possibly pretty-printed) JSON object stays whole;
   * otherwise each non-blank line is an item of its own.
   */
  static List<byte[]> split(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8).strip();
    if (text.isEmpty()) {
      return List.of();
    }
    List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    boolean ndjson = lines.size() > 1 && lines.stream().allMatch(l -> l.startsWith("{") && l.endsWith("}"));
    if (lines.size() == 1 || !ndjson && text.startsWith("{") && text.endsWith("}")) {
      return List.of(text.getBytes(StandardCharsets.UTF_8));
    }
    return lines.stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toList();
  }

  private boolean authorized(String header) {
    return header != null && MessageDigest.isEqual(token, header.strip().getBytes(StandardCharsets.UTF_8));
  }

  private static void respond(HttpExchange ex, int status, String json) throws IOException {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(1);
    executor.shutdown();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
