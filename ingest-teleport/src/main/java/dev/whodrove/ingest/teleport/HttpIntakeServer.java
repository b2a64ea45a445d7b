package dev.whodrove.ingest.teleport;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.HttpEndpoint;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.schemas.v1.SourcePosition;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Intake for Teleport's event-handler plugin: {@code POST} one JSON event per body, or newline-delimited events.
 * Authenticated by a shared bearer token and/or TLS client certificates that chain to the configured trust store
 * (never the JVM's default CAs), optionally restricted to an allowlist of certificate subjects. Answers 200 only
 * after Kafka acknowledged every event (and the dead letters of bad lines), 503 otherwise so the sender retries.
 * Runs on an {@link HttpEndpoint} of its own: header and body deadlines, a body limit (413), its own workers.
 */
public final class HttpIntakeServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpIntakeServer.class);

  public static final String PREFIX = "teleport.http.intake.";
  public static final String HOST = "teleport.http.intake.host";
  public static final String PORT = "teleport.http.intake.port";
  public static final String TOKEN = "teleport.http.intake.token";
  public static final String ALLOW_UNAUTHENTICATED = "teleport.http.intake.allow.unauthenticated";
  public static final String MAX_BODY_BYTES = PREFIX + HttpEndpoint.MAX_BODY_BYTES_KEY;
  public static final String HEADER_TIMEOUT = PREFIX + HttpEndpoint.HEADER_TIMEOUT_KEY;
  public static final String BODY_TIMEOUT = PREFIX + HttpEndpoint.BODY_TIMEOUT_KEY;
  public static final String THREADS = "teleport.http.intake.threads";
  public static final String ACK_TIMEOUT = "teleport.http.intake.ack.timeout";
  public static final String TLS_KEYSTORE = "teleport.http.intake.tls.keystore.path";
  public static final String TLS_KEYSTORE_PASSWORD = "teleport.http.intake.tls.keystore.password";
  public static final String TLS_KEYSTORE_TYPE = "teleport.http.intake.tls.keystore.type";
  public static final String TLS_TRUSTSTORE = "teleport.http.intake.tls.truststore.path";
  public static final String TLS_TRUSTSTORE_PASSWORD = "teleport.http.intake.tls.truststore.password";
  public static final String TLS_CLIENT_AUTH = "teleport.http.intake.tls.client.auth";
  public static final String TLS_CLIENT_ALLOW = "teleport.http.intake.tls.client.allow";

  private final ServiceConfig cfg;
  private final SourceOutput sink;
  private final AuditEventParser parser;
  private final byte[] token;
  private final HttpEndpoint.Limits limits;
  private final Duration ackTimeout;
  private final HttpEndpoint.Tls tls;
  private final ClientSubjects allowedSubjects;
  private HttpEndpoint endpoint;

  public HttpIntakeServer(ServiceConfig cfg, SourceOutput sink, AuditEventParser parser) throws IOException {
    this.cfg = cfg;
    this.sink = sink;
    this.parser = parser;
    String t = cfg.get(TOKEN, "");
    this.token = t.isEmpty() ? null : ("Bearer " + t).getBytes(StandardCharsets.UTF_8);
    boolean tlsOn = cfg.has(TLS_KEYSTORE);
    String clientAuth = cfg.get(TLS_CLIENT_AUTH, tlsOn && cfg.has(TLS_TRUSTSTORE) ? "need" : "none");
    if (!java.util.Set.of("none", "want", "need").contains(clientAuth)) {
      throw new ConfigException("invalid config " + TLS_CLIENT_AUTH + "=" + clientAuth + " ("
          + ServiceConfig.keyToEnv(TLS_CLIENT_AUTH) + "): expected none, want or need");
    }
    if (!clientAuth.equals("none") && !tlsOn) {
      throw new ConfigException("config " + TLS_CLIENT_AUTH + "=" + clientAuth + " ("
          + ServiceConfig.keyToEnv(TLS_CLIENT_AUTH) + ") needs TLS: set " + TLS_KEYSTORE + " ("
          + ServiceConfig.keyToEnv(TLS_KEYSTORE) + ")");
    }
    if (!clientAuth.equals("none") && !cfg.has(TLS_TRUSTSTORE)) {
      throw new ConfigException("TLS client authentication (" + TLS_CLIENT_AUTH + "=" + clientAuth + ") needs "
          + TLS_TRUSTSTORE + " (" + ServiceConfig.keyToEnv(TLS_TRUSTSTORE)
          + "): the CA certificates client certificates must chain to (the JVM's default CAs are never trusted)");
    }
    this.allowedSubjects = ClientSubjects.parse(cfg.get(TLS_CLIENT_ALLOW, ""), TLS_CLIENT_ALLOW);
    if (!allowedSubjects.isEmpty() && clientAuth.equals("none")) {
      throw new ConfigException("config " + TLS_CLIENT_ALLOW + " (" + ServiceConfig.keyToEnv(TLS_CLIENT_ALLOW)
          + ") needs client certificates: set " + TLS_KEYSTORE + ", " + TLS_TRUSTSTORE + " and "
          + TLS_CLIENT_AUTH + "=need");
    }
    boolean certificates = clientAuth.equals("need") || clientAuth.equals("want") && !allowedSubjects.isEmpty();
    if (token == null && !certificates && !cfg.getBoolean(ALLOW_UNAUTHENTICATED, false)) {
      throw new ConfigException("the HTTP intake needs " + TOKEN + " (" + ServiceConfig.keyToEnv(TOKEN)
          + ") or TLS client authentication, or " + ALLOW_UNAUTHENTICATED + "=true");
    }
    this.limits = HttpEndpoint.Limits.from(cfg, PREFIX, HttpEndpoint.Limits.defaults());
    this.ackTimeout = cfg.getDuration(ACK_TIMEOUT, Duration.ofSeconds(30));
    this.tls = tlsOn ? new HttpEndpoint.Tls(sslContext(cfg, !clientAuth.equals("none")),
        HttpEndpoint.ClientAuth.valueOf(clientAuth.toUpperCase(java.util.Locale.ROOT))) : null;
  }

  private static SSLContext sslContext(ServiceConfig cfg, boolean clientCertificates) {
    try {
      String type = cfg.get(TLS_KEYSTORE_TYPE, "PKCS12");
      char[] pw = cfg.get(TLS_KEYSTORE_PASSWORD, "").toCharArray();
      KeyStore ks = KeyStore.getInstance(type);
      try (InputStream in = Files.newInputStream(Path.of(cfg.require(TLS_KEYSTORE)))) {
        ks.load(in, pw);
      }
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, pw);
      // without client authentication no client certificate is asked for, so nothing is trusted
      KeyStore ts = KeyStore.getInstance(type);
      if (clientCertificates) {
        try (InputStream in = Files.newInputStream(Path.of(cfg.require(TLS_TRUSTSTORE)))) {
          ts.load(in, cfg.get(TLS_TRUSTSTORE_PASSWORD, "").toCharArray());
        }
        if (!hasCertificate(ts)) {
          throw new ConfigException(TLS_TRUSTSTORE + " (" + ServiceConfig.keyToEnv(TLS_TRUSTSTORE)
              + ") holds no CA certificate");
        }
      } else {
        ts.load(null, null);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ts);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx;
    } catch (ConfigException e) {
      throw e;
    } catch (Exception e) {
      throw new ConfigException("cannot set up TLS for the HTTP intake from " + TLS_KEYSTORE + " / " + TLS_TRUSTSTORE
          + ": " + e.getMessage());
    }
  }

  private static boolean hasCertificate(KeyStore ks) throws java.security.KeyStoreException {
    for (String alias : java.util.Collections.list(ks.aliases())) {
      if (ks.isCertificateEntry(alias)) {
        return true;
      }
    }
    return false;
  }

  public void start() throws IOException {
    endpoint = HttpEndpoint.start("teleport-intake", cfg.get(HOST, "0.0.0.0"), cfg.getInt(PORT, 9441),
        cfg.getInt(THREADS, 4), limits, tls, this::handle);
  }

  public int port() {
    return endpoint.port();
  }

  private HttpEndpoint.Reply handle(HttpEndpoint.Call call) {
    String requestId = call.header("X-Request-Id");
    if (requestId == null || requestId.isBlank() || requestId.length() > 128 || !requestId.matches("[\\w.:-]+")) {
      requestId = UUID.randomUUID().toString();
    }
    return answer(call, requestId).withHeader("X-Request-Id", requestId);
  }

  private HttpEndpoint.Reply answer(HttpEndpoint.Call call, String requestId) {
    if (!"POST".equals(call.method()) && !"PUT".equals(call.method())) {
      return HttpEndpoint.Reply.json(405, "{\"error\":\"POST one JSON event or newline-delimited events\"}")
          .withHeader("Allow", "POST, PUT");
    }
    if (!allowedSubjects.isEmpty()) {
      List<java.security.cert.X509Certificate> chain = call.clientCertificates();
      if (chain.isEmpty() || !allowedSubjects.permits(chain.get(0).getSubjectX500Principal())) {
        log.warn("request {}: client certificate subject {} is not in {}", requestId,
            chain.isEmpty() ? "(none)" : chain.get(0).getSubjectX500Principal().getName(), TLS_CLIENT_ALLOW);
        return HttpEndpoint.Reply.json(403, "{\"error\":\"client certificate subject not allowed\"}");
      }
    }
    if (token != null && !authorized(call.header("Authorization"))) {
      return HttpEndpoint.Reply.json(401, "{\"error\":\"missing or wrong bearer token\"}")
          .withHeader("WWW-Authenticate", "Bearer");
    }
    byte[] body;
    try {
      body = call.body();
    } catch (HttpEndpoint.Refused r) {
      return HttpEndpoint.Reply.json(r.reply().status(), "{\"error\":\"" + r.reply().status() + ": "
          + new String(r.reply().body(), StandardCharsets.UTF_8).strip() + "\"}");
    }
    List<CompletableFuture<?>> acks = new ArrayList<>();
    int accepted = 0;
    int rejected = 0;
    List<byte[]> items = split(body);
    for (int i = 0; i < items.size(); i++) {
      SourcePosition pos = SourcePosition.newBuilder().setSource("http").setLocator(requestId).setOffset(i).build();
      AuditEventIntake.Accepted a = AuditEventIntake.accept(parser, sink, items.get(i), pos);
      acks.add(a.written());
      if (a.parsed()) {
        accepted++;
      } else {
        rejected++;
      }
    }
    try {
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(ackTimeout.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return HttpEndpoint.Reply.json(503, "{\"error\":\"shutting down\"}");
    } catch (Exception e) {
      log.warn("request {}: Kafka did not acknowledge: {}", requestId, e.toString());
      return HttpEndpoint.Reply.json(503, "{\"error\":\"not stored, retry\",\"request_id\":\"" + requestId + "\"}");
    }
    return HttpEndpoint.Reply.json(200, "{\"accepted\":" + accepted + ",\"rejected\":" + rejected
        + ",\"request_id\":\"" + requestId + "\"}");
  }

  /**
   * One event per body, or one per line. A body that is a single (possibly pretty-printed) JSON object stays whole;
   * otherwise each non-blank line is an item of its own, so one bad line never takes the good lines with it.
   */
  static List<byte[]> split(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8).strip();
    if (text.isEmpty()) {
      return List.of();
    }
    List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    boolean ndjson = lines.size() > 1 && lines.stream().allMatch(l -> l.startsWith("{") && l.endsWith("}"));
    if (lines.size() == 1 || !ndjson && text.startsWith("{") && text.endsWith("}")
        && AuditEventParser.isOneJsonValue(text)) {
      return List.of(text.getBytes(StandardCharsets.UTF_8));
    }
    return lines.stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toList();
  }

  private boolean authorized(String header) {
    return header != null && MessageDigest.isEqual(token, header.strip().getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    if (endpoint != null) {
      endpoint.close();
    }
  }
}
