package dev.whodrove.ingest.teleport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.runtime.ServiceConfig;
import java.io.IOException;
import java.io.InputStream;
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
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS with required client certificates, no bearer token: what Teleport's event-handler plugin uses. */
class HttpIntakeTlsTest {
  private static final String PW = "changeit";
  @TempDir Path dir;

  private void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
  }

  private void identity(String name) throws Exception {
    keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
        "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", dir.resolve(name + ".p12").toString(), "-storepass", PW, "-keypass", PW);
    keytool("-exportcert", "-alias", name, "-keystore", dir.resolve(name + ".p12").toString(), "-storepass", PW,
        "-file", dir.resolve(name + ".crt").toString());
  }

  private void trust(String store, String cert) throws Exception {
    keytool("-importcert", "-noprompt", "-alias", cert, "-file", dir.resolve(cert + ".crt").toString(),
        "-storetype", "PKCS12", "-keystore", dir.resolve(store + ".p12").toString(), "-storepass", PW);
  }

  private KeyStore load(String name) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve(name + ".p12"))) {
      ks.load(in, PW.toCharArray());
    }
    return ks;
  }

  private HttpClient client(boolean withCertificate) throws Exception {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(load("client-trust"));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(load("client"), PW.toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(withCertificate ? kmf.getKeyManagers() : null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ctx).build();
  }

  @Test
  void acceptsOnlyClientsWithATrustedCertificate() throws Exception {
    identity("server");
    identity("client");
    trust("server-trust", "client");
    trust("client-trust", "server");
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
}
