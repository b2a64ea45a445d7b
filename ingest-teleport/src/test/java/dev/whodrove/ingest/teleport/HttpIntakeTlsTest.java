package dev.whodrove.ingest.teleport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS with required client certificates, no bearer token: what Teleport's event-handler plugin uses. Identities are
 * made once per class (keytool, EC P-256); trust stores are assembled in process.
 */
class HttpIntakeTlsTest {
  private static final String PW = "changeit";
  @TempDir static Path dir;

  @BeforeAll
  static void identities() throws Exception {
    identity("server", "CN=server");
    identity("client", "CN=event-handler, OU=audit, O=Example");
    identity("other", "CN=someone-else, O=Example");
    identity("lookalike", "CN=event-handler, OU=elsewhere, O=Example");
    identity("stranger", "CN=event-handler, OU=audit, O=Example"); // same subject, but no trusted certificate
    trustStore("server-trust", "client", "other", "lookalike");
    trustStore("client-trust", "server");
  }

  private static void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
  }

  private static void identity(String name, String dname) throws Exception {
    keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
        "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", dir.resolve(name + ".p12").toString(), "-storepass", PW, "-keypass", PW);
  }

  /** A PKCS12 trust store holding the certificates of these identities. */
  private static void trustStore(String store, String... names) throws Exception {
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    for (String name : names) {
      ts.setCertificateEntry(name, load(name).getCertificate(name));
    }
    try (OutputStream out = Files.newOutputStream(dir.resolve(store + ".p12"))) {
      ts.store(out, PW.toCharArray());
    }
  }

  private static KeyStore load(String name) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve(name + ".p12"))) {
      ks.load(in, PW.toCharArray());
    }
    return ks;
  }

  private HttpClient client(boolean withCertificate) throws Exception {
    return client(withCertificate ? "client" : null);
  }

  /** A client presenting the certificate of identity {@code name} (none when null). */
  private HttpClient client(String name) throws Exception {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(load("client-trust"));
    KeyManager[] keys = null;
    if (name != null) {
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(load(name), PW.toCharArray());
      keys = kmf.getKeyManagers();
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(keys, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ctx).build();
  }

  @Test
  void acceptsOnlyClientsWithATrustedCertificate() throws Exception {
    CollectingOutput sink = new CollectingOutput();
    try (HttpIntakeServer server = new HttpIntakeServer(ServiceConfig.of(Map.of(
        HttpIntakeServer.HOST, "127.0.0.1", HttpIntakeServer.PORT, "0",
        HttpIntakeServer.TLS_KEYSTORE, dir.resolve("server.p12").toString(),
        HttpIntakeServer.TLS_KEYSTORE_PASSWORD, PW,
        HttpIntakeServer.TLS_TRUSTSTORE, dir.resolve("server-trust.p12").toString(),
        HttpIntakeServer.TLS_TRUSTSTORE_PASSWORD, PW)), sink, new AuditEventParser())) {
      server.start();
      HttpRequest req = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/"))
          .POST(HttpRequest.BodyPublishers.ofString(Fixtures.line("ssh-sessions.jsonl", 19))).build();
      assertThat(client(true).send(req, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      assertThat(sink.events).hasSize(1);
      assertThatThrownBy(() -> client(false).send(req, HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(IOException.class);
      assertThat(sink.events).hasSize(1);
    }
  }

  private Map<String, String> tlsConfig(String... more) {
    Map<String, String> m = new java.util.HashMap<>(Map.of(
        HttpIntakeServer.HOST, "127.0.0.1", HttpIntakeServer.PORT, "0",
        HttpIntakeServer.TLS_KEYSTORE, dir.resolve("server.p12").toString(),
        HttpIntakeServer.TLS_KEYSTORE_PASSWORD, PW,
        HttpIntakeServer.TLS_TRUSTSTORE, dir.resolve("server-trust.p12").toString(),
        HttpIntakeServer.TLS_TRUSTSTORE_PASSWORD, PW));
    for (int i = 0; i < more.length; i += 2) {
      if (more[i + 1] == null) {
        m.remove(more[i]);
      } else {
        m.put(more[i], more[i + 1]);
      }
    }
    return m;
  }

  private int post(HttpClient client, int port) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/"))
        .POST(HttpRequest.BodyPublishers.ofString(Fixtures.line("ssh-sessions.jsonl", 19))).build();
    return client.send(req, HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  void onlyAllowListedSubjectsGetIn() throws Exception {
    CollectingOutput sink = new CollectingOutput();
    // by common name: every trusted certificate named event-handler
    try (HttpIntakeServer server = new HttpIntakeServer(ServiceConfig.of(tlsConfig(
        HttpIntakeServer.TLS_CLIENT_ALLOW, "event-handler")), sink, new AuditEventParser())) {
      server.start();
      assertThat(post(client("client"), server.port())).isEqualTo(200);
      assertThat(post(client("lookalike"), server.port())).isEqualTo(200);
      assertThat(post(client("other"), server.port())).isEqualTo(403);
      assertThat(sink.events).hasSize(2);
    }
    // by distinguished name, written with other spacing and case: exactly that subject
    try (HttpIntakeServer server = new HttpIntakeServer(ServiceConfig.of(tlsConfig(
        HttpIntakeServer.TLS_CLIENT_ALLOW, "cn=event-handler,ou=audit,o=Example; CN=nobody")), sink,
        new AuditEventParser())) {
      server.start();
      assertThat(post(client("client"), server.port())).isEqualTo(200);
      assertThat(post(client("lookalike"), server.port())).isEqualTo(403);
      assertThat(post(client("other"), server.port())).isEqualTo(403);
      assertThat(sink.events).hasSize(3);
    }
  }

  @Test
  void clientAuthenticationNeedsItsOwnTrustStore() throws Exception {
    // asking for client certificates without naming the CAs they must chain to: refused at start
    assertThatThrownBy(() -> new HttpIntakeServer(ServiceConfig.of(tlsConfig(HttpIntakeServer.TLS_TRUSTSTORE, null,
        HttpIntakeServer.TLS_CLIENT_AUTH, "need")), new CollectingOutput(), new AuditEventParser()))
        .isInstanceOf(ConfigException.class).hasMessageContaining(HttpIntakeServer.TLS_TRUSTSTORE)
        .hasMessageContaining("WHODROVE_TELEPORT_HTTP_INTAKE_TLS_TRUSTSTORE_PATH");
    assertThatThrownBy(() -> new HttpIntakeServer(ServiceConfig.of(tlsConfig(HttpIntakeServer.TLS_TRUSTSTORE, null,
        HttpIntakeServer.TLS_CLIENT_AUTH, "want", HttpIntakeServer.TOKEN, "t")), new CollectingOutput(),
        new AuditEventParser())).isInstanceOf(ConfigException.class);
    // an allowlist without client certificates cannot be enforced
    assertThatThrownBy(() -> new HttpIntakeServer(ServiceConfig.of(tlsConfig(HttpIntakeServer.TLS_CLIENT_AUTH, "none",
        HttpIntakeServer.TLS_CLIENT_ALLOW, "event-handler", HttpIntakeServer.TOKEN, "t")), new CollectingOutput(),
        new AuditEventParser())).isInstanceOf(ConfigException.class).hasMessageContaining("tls.client.allow");
    assertThatThrownBy(() -> new HttpIntakeServer(ServiceConfig.of(tlsConfig(
        HttpIntakeServer.TLS_CLIENT_ALLOW, "CN=a,,=b")), new CollectingOutput(), new AuditEventParser()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("not a distinguished name");
  }

  @Test
  void aCertificateOutsideTheTrustStoreIsRefusedWhateverItsSubject() throws Exception {
    // the server trusts only its own store (never the JVM's default CAs): a certificate with an allowed subject
    // that does not chain to it is refused in the handshake
    CollectingOutput sink = new CollectingOutput();
    try (HttpIntakeServer server = new HttpIntakeServer(ServiceConfig.of(tlsConfig(
        HttpIntakeServer.TLS_CLIENT_ALLOW, "event-handler")), sink, new AuditEventParser())) {
      server.start();
      assertThatThrownBy(() -> post(client("stranger"), server.port())).isInstanceOf(IOException.class);
      assertThat(sink.events).isEmpty();
    }
  }
}
