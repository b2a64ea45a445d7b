package dev.whodrove.ingest.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.client.json.gson.GsonFactory;
import com.google.api.client.json.webtoken.JsonWebSignature;
import com.google.api.client.json.webtoken.JsonWebToken;
import com.sun.net.httpserver.HttpServer;
import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.HttpEndpoint;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The push endpoint's authentication for real: an RSA key made here, its JWKS served over HTTP in process, tokens
 * signed like Pub/Sub's, verified through the auth library's TokenVerifier. No broker: the publisher writes to a
 * collecting sender.
 */
class PubSubPushAuthTest {
  private static final String AUDIENCE = "https://whodrove.example/pubsub/push";
  private static final String PUSHER = "pubsub-push@my-project.example";
  private static final String KID = "key-1";
  private static KeyPair signing;
  private static KeyPair stranger;
  private static HttpServer jwks;
  private static final AtomicInteger jwksFetches = new AtomicInteger();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    signing = g.generateKeyPair();
    stranger = g.generateKeyPair();
    RSAPublicKey pub = (RSAPublicKey) signing.getPublic();
    String body = "{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"RS256\",\"use\":\"sig\",\"kid\":\"" + KID + "\",\"n\":\""
        + b64(unsigned(pub.getModulus())) + "\",\"e\":\"" + b64(unsigned(pub.getPublicExponent())) + "\"}]}";
    jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    jwks.createContext("/certs", ex -> {
      jwksFetches.incrementAndGet();
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    jwks.start();
  }

  @AfterAll
  static void stop() {
    jwks.stop(0);
  }

  private static String certsUrl() {
    return "http://127.0.0.1:" + jwks.getAddress().getPort() + "/certs";
  }

  private static byte[] unsigned(BigInteger v) {
    byte[] b = v.toByteArray();
    return b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
  }

  private static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** What Pub/Sub sends for the push subscription's service account, adjusted by {@code change}. */
  private static JsonWebToken.Payload claims(Consumer<JsonWebToken.Payload> change) {
    long now = System.currentTimeMillis() / 1000;
    JsonWebToken.Payload p = new JsonWebToken.Payload().setIssuer("https://accounts.google.com")
        .setAudience(AUDIENCE).setIssuedAtTimeSeconds(now - 10).setExpirationTimeSeconds(now + 3600)
        .setSubject("112233445566778899");
    p.set("email", PUSHER);
    p.set("email_verified", true);
    p.set("azp", "112233445566778899");
    change.accept(p);
    return p;
  }

  private static String token(KeyPair key, Consumer<JsonWebToken.Payload> change) throws Exception {
    JsonWebSignature.Header h = new JsonWebSignature.Header().setAlgorithm("RS256").setType("JWT").setKeyId(KID);
    return JsonWebSignature.signUsingRsaSha256(key.getPrivate(), GsonFactory.getDefaultInstance(), h,
        claims(change));
  }

  private static String token(Consumer<JsonWebToken.Payload> change) throws Exception {
    return token(signing, change);
  }

  private static String unsignedToken() throws Exception {
    String header = b64("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"key-1\"}".getBytes(StandardCharsets.UTF_8));
    String payload = b64(GsonFactory.getDefaultInstance().toByteArray(claims(p -> { })));
    return header + "." + payload + ".";
  }

  /** HS256 keyed with the public key's bytes: the old algorithm-confusion trick. */
  private static String hmacToken() throws Exception {
    String header = b64(("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + KID + "\"}").getBytes(StandardCharsets.UTF_8));
    String payload = b64(GsonFactory.getDefaultInstance().toByteArray(claims(p -> { })));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(signing.getPublic().getEncoded(), "HmacSHA256"));
    byte[] sig = mac.doFinal((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
    return header + "." + payload + "." + b64(sig);
  }

  private static String envelope(String messageId) {
    return "{\"message\":{\"data\":\"" + Base64.getEncoder().encodeToString(Fixtures.line("grafana-alloy.jsonl", 1))
        + "\",\"messageId\":\"" + messageId + "\"},\"subscription\":\"projects/p/subscriptions/push\"}";
  }

  private HttpResponse<String> push(PubSubPushEndpoint endpoint, String query, String bearer, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/pubsub/push"
        + query)).POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(20));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static EntryPublisher publisher(RecordSender sender) {
    return new EntryPublisher("ingest-gcp", new AuditLogParser(), sender, Map.of(), Duration.ZERO, 1000,
        new SimpleMeterRegistry());
  }

  @Test
  void acceptsOnlyGoogleSignedTokensForTheAudienceAndServiceAccount() throws Exception {
    PushEndpoints.Collecting sender = new PushEndpoints.Collecting();
    try (EntryPublisher publisher = publisher(sender);
        PubSubPushEndpoint endpoint = PushEndpoints.start(publisher,
            PushEndpoints.oidc(AUDIENCE, PUSHER, certsUrl()), Duration.ofSeconds(5), 2)) {
      HttpResponse<String> ok = push(endpoint, "", token(p -> { }), envelope("m-ok"));
      assertThat(ok.statusCode()).isEqualTo(204);
      assertThat(sender.topics()).containsExactly(EntryPublisher.TOPIC);
      // the other spelling of Google's issuer is Google's too
      assertThat(push(endpoint, "", token(p -> p.setIssuer("accounts.google.com")), envelope("m-ok-2"))
          .statusCode()).isEqualTo(204);

      Map<String, String> refused = new java.util.LinkedHashMap<>();
      refused.put("wrong audience", token(p -> p.setAudience("https://elsewhere.example/push")));
      refused.put("wrong email", token(p -> p.set("email", "someone@my-project.example")));
      refused.put("unverified email", token(p -> p.set("email_verified", false)));
      refused.put("no email", token(p -> p.remove("email")));
      refused.put("expired", token(p -> p.setIssuedAtTimeSeconds(System.currentTimeMillis() / 1000 - 7200)
          .setExpirationTimeSeconds(System.currentTimeMillis() / 1000 - 3600)));
      refused.put("no expiry", token(p -> p.setExpirationTimeSeconds(null)));
      refused.put("issued in the future", token(p -> p.setIssuedAtTimeSeconds(System.currentTimeMillis() / 1000
          + 3600)));
      refused.put("another issuer", token(p -> p.setIssuer("https://issuer.example")));
      refused.put("unsigned", unsignedToken());
      refused.put("HS256 with the public key", hmacToken());
      refused.put("signed by another key", token(stranger, p -> { }));
      refused.put("not a JWT", "just-a-string");
      for (Map.Entry<String, String> e : refused.entrySet()) {
        HttpResponse<String> r = push(endpoint, "", e.getValue(), envelope("m-" + e.getKey()));
        assertThat(r.statusCode()).as(e.getKey()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).as(e.getKey()).hasValueSatisfying(
            v -> assertThat(v).startsWith("Bearer"));
      }
      assertThat(push(endpoint, "", null, envelope("m-none")).statusCode()).isEqualTo(401);
      assertThat(push(endpoint, "", token(p -> p.setAudience("x")), envelope("m-aud")).body()).contains("audience");
      assertThat(push(endpoint, "", token(p -> p.setExpirationTimeSeconds(1L).setIssuedAtTimeSeconds(0L)),
          envelope("m-exp")).body()).contains("expired");

      // a valid token in the URL is refused too, and the answer says why
      HttpResponse<String> inUrl = push(endpoint, "?token=" + token(p -> { }), null, envelope("m-url"));
      assertThat(inUrl.statusCode()).isEqualTo(401);
      assertThat(inUrl.body()).contains("URL");
      assertThat(push(endpoint, "?access_token=x", token(p -> { }), envelope("m-url-2")).statusCode()).isEqualTo(401);

      // nothing refused was written, and the keys were fetched once
      assertThat(sender.sent).hasSize(2);
      assertThat(jwksFetches.get()).isEqualTo(1);
    }
  }

  @Test
  void answers503WhenTheSigningKeysCannotBeFetched() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    PushEndpoints.Collecting sender = new PushEndpoints.Collecting();
    try (EntryPublisher publisher = publisher(sender);
        PubSubPushEndpoint endpoint = PushEndpoints.start(publisher,
            PushEndpoints.oidc(AUDIENCE, PUSHER, "http://127.0.0.1:" + closedPort + "/certs"),
            Duration.ofSeconds(5), 2)) {
      assertThat(push(endpoint, "", token(p -> { }), envelope("m")).statusCode()).isEqualTo(503);
      assertThat(sender.sent).isEmpty();
    }
  }

  @Test
  void deadLettersBadInputAndAcknowledgesIt() throws Exception {
    PushEndpoints.Collecting sender = new PushEndpoints.Collecting();
    try (EntryPublisher publisher = publisher(sender);
        PubSubPushEndpoint endpoint = PushEndpoints.start(publisher, PushEndpoints.sharedToken("t0ken"),
            Duration.ofSeconds(5), 2, new HttpEndpoint.Limits(64 * 1024, Duration.ofSeconds(5), Duration.ofSeconds(5),
                16))) {
      HttpResponse<String> notJson = push(endpoint, "", "t0ken", "not json at all");
      assertThat(notJson.statusCode()).isEqualTo(200);
      assertThat(notJson.body()).contains("dead-lettered");
      String text = "{\"message\":{\"data\":\"" + Base64.getEncoder().encodeToString(
          "{\"timestamp\":\"2024-01-01T00:00:00Z\",\"textPayload\":\"hi\"}".getBytes(StandardCharsets.UTF_8))
          + "\",\"messageId\":\"m-text\"}}";
      assertThat(push(endpoint, "", "t0ken", text).statusCode()).isEqualTo(200);
      assertThat(sender.topics()).containsExactly(EntryPublisher.DLQ_TOPIC, EntryPublisher.DLQ_TOPIC);
      // over the body limit: refused unread, nothing written
      HttpResponse<String> big = push(endpoint, "", "t0ken", "{\"message\":{\"data\":\"" + "A".repeat(70_000)
          + "\"}}");
      assertThat(big.statusCode()).isEqualTo(413);
      assertThat(sender.sent).hasSize(2);
      // the shared token is the only one that works
      assertThat(push(endpoint, "", "t0ke", envelope("m")).statusCode()).isEqualTo(401);
      assertThat(push(endpoint, "", token(p -> { }), envelope("m")).statusCode()).isEqualTo(401);
    }
  }

  private static ServiceConfig cfg(String... kv) {
    Map<String, String> m = new java.util.HashMap<>(Map.of("kafka.bootstrap.servers", "127.0.0.1:1",
        IngestGcpService.PUSH_PORT, "0"));
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return ServiceConfig.of(m);
  }

  @Test
  void refusesToStartAnOpenEndpointUnlessAskedTo(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> new IngestGcpService(ServiceContext.create("ingest-gcp", cfg())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("gcp.push.oidc.audience").hasMessageContaining("WHODROVE_GCP_PUSH_OIDC_EMAIL")
        .hasMessageContaining("WHODROVE_GCP_PUSH_TOKEN_FILE").hasMessageContaining("gcp.push.insecure=true");
    assertThat(ServiceConfig.keyToEnv(IngestGcpService.PUSH_OIDC_AUDIENCE))
        .isEqualTo("WHODROVE_GCP_PUSH_OIDC_AUDIENCE");
    assertThatThrownBy(() -> PushAuthenticator.from(cfg(PushAuthenticator.AUDIENCE, AUDIENCE)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("gcp.push.oidc.email");
    assertThatThrownBy(() -> PushAuthenticator.from(cfg(PushAuthenticator.EMAIL, PUSHER)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("gcp.push.oidc.audience");

    // insecure on request: no check, and loopback unless told otherwise
    PushAuthenticator open = PushAuthenticator.from(cfg(PushAuthenticator.INSECURE, "true"));
    assertThat(open.authenticates()).isFalse();
    assertThat(IngestGcpService.pushSettings(cfg(), new AuditLogParser(), open).host()).isEqualTo("127.0.0.1");
    // authenticated: every interface by default (containers), a 4 MiB body limit
    Path tokenFile = dir.resolve("push-token");
    Files.writeString(tokenFile, "from-a-file\n");
    PushAuthenticator shared = PushAuthenticator.from(cfg(IngestGcpService.PUSH_TOKEN + ".file", tokenFile.toString()));
    assertThat(shared.check("Bearer from-a-file")).isInstanceOf(PushAuthenticator.Allowed.class);
    assertThat(shared.check("Bearer from-a-file\n")).isInstanceOf(PushAuthenticator.Allowed.class);
    assertThat(shared.check("Basic from-a-file")).isInstanceOf(PushAuthenticator.Denied.class);
    PubSubPushEndpoint.Settings s = IngestGcpService.pushSettings(cfg(), new AuditLogParser(), shared);
    assertThat(s.host()).isEqualTo("0.0.0.0");
    assertThat(s.limits().maxBodyBytes()).isEqualTo(4L << 20);
    assertThat(IngestGcpService.pushSettings(cfg(IngestGcpService.PUSH_MAX_BODY_BYTES, "1000000"),
        new AuditLogParser(), shared).limits().maxBodyBytes()).isEqualTo(1_000_000);
    // a larger entry limit raises the default body limit to what such an entry needs in base64
    assertThat(IngestGcpService.pushSettings(cfg(), new AuditLogParser(6 << 20), shared).limits().maxBodyBytes())
        .isGreaterThan(8L << 20);
  }
}
