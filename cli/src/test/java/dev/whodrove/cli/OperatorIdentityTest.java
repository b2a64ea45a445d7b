package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.cli.OperatorIdentity.Basis;
import dev.whodrove.runtime.ServiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OperatorIdentityTest {
  private static final String PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule required "
      + "username=\"analyst-7\" password=\"s3cret\";";

  private static OperatorIdentity identity(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return OperatorIdentity.from(ServiceConfig.of(m));
  }

  @Test
  void anUnauthenticatedClientNeedsADeclaredOperatorAndSaysItIsUnverified() {
    assertThatThrownBy(() -> identity("kafka.bootstrap.servers", "k:9092"))
        .hasMessageContaining("authenticates no principal").hasMessageContaining("WHODROVE_LABEL_OPERATOR");
    OperatorIdentity who = identity("label.operator", "analyst-7");
    assertThat(who).isEqualTo(new OperatorIdentity("analyst-7", Basis.DECLARED));
    assertThat(who.verified()).isFalse();
  }

  @Test
  void saslUsernameIsTheIdentityAndAnotherDeclaredNameIsRefused() {
    OperatorIdentity who = identity("kafka.security.protocol", "SASL_SSL", "kafka.sasl.mechanism", "PLAIN",
        "kafka.sasl.jaas.config", PLAIN);
    assertThat(who).isEqualTo(new OperatorIdentity("analyst-7", Basis.SASL));
    assertThat(who.verified()).isTrue();
    assertThat(identity("kafka.security.protocol", "SASL_SSL", "kafka.sasl.mechanism", "PLAIN",
        "kafka.sasl.jaas.config", PLAIN, "label.operator", "analyst-7").name()).isEqualTo("analyst-7");
    assertThatThrownBy(() -> identity("kafka.security.protocol", "SASL_SSL", "kafka.sasl.mechanism", "PLAIN",
        "kafka.sasl.jaas.config", PLAIN, "label.operator", "someone-else"))
        .hasMessageContaining("label.operator=someone-else is not the principal")
        .hasMessageContaining("analyst-7")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void scramCredentialsFromASecretFileAndKerberosPrimaryNames(@TempDir Path dir) throws Exception {
    Path jaas = Files.writeString(dir.resolve("jaas"), "org.apache.kafka.common.security.scram.ScramLoginModule "
        + "required username=\"svc-analyst\" password=\"x\";\n");
    assertThat(identity("kafka.security.protocol", "SASL_PLAINTEXT", "kafka.sasl.mechanism", "SCRAM-SHA-512",
        "kafka.sasl.jaas.config.file", jaas.toString()).name()).isEqualTo("svc-analyst");

    String krb = "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true "
        + "keyTab=\"/etc/a.keytab\" principal=\"analyst/host.example.com@EXAMPLE.COM\";";
    assertThat(identity("kafka.security.protocol", "SASL_SSL", "kafka.sasl.jaas.config", krb).name())
        .isEqualTo("analyst/host.example.com@EXAMPLE.COM");
    assertThat(identity("kafka.security.protocol", "SASL_SSL", "kafka.sasl.jaas.config", krb,
        "label.operator", "analyst").name()).isEqualTo("analyst");
  }

  @Test
  void aPrincipalTheConfigurationDoesNotRevealFallsBackToTheDeclaredName() {
    String oauth = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId=\"x\" "
        + "clientSecret=\"y\";";
    assertThatThrownBy(() -> identity("kafka.security.protocol", "SASL_SSL", "kafka.sasl.mechanism", "OAUTHBEARER",
        "kafka.sasl.jaas.config", oauth)).hasMessageContaining("label.operator");
    assertThat(identity("kafka.security.protocol", "SASL_SSL", "kafka.sasl.mechanism", "OAUTHBEARER",
        "kafka.sasl.jaas.config", oauth, "label.operator", "analyst-7").basis()).isEqualTo(Basis.DECLARED);
  }

  @Test
  void tlsClientCertificateSubjectIsTheIdentityItsCnMayBeChosen(@TempDir Path dir) throws Exception {
    Path ks = dir.resolve("client.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
        "-alias", "client", "-keyalg", "EC", "-dname", "CN=analyst-7,OU=soc,O=Example", "-validity", "2")
        .redirectErrorStream(true).start();
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
    List<String> tls = List.of("kafka.security.protocol", "SSL", "kafka.ssl.keystore.type", "PKCS12",
        "kafka.ssl.keystore.location", ks.toString(), "kafka.ssl.keystore.password", "changeit");
    OperatorIdentity who = identity(tls.toArray(String[]::new));
    assertThat(who).isEqualTo(new OperatorIdentity("CN=analyst-7,OU=soc,O=Example", Basis.TLS));
    List<String> withCn = new java.util.ArrayList<>(tls);
    withCn.addAll(List.of("label.operator", "analyst-7"));
    assertThat(identity(withCn.toArray(String[]::new))).isEqualTo(new OperatorIdentity("analyst-7", Basis.TLS));
    List<String> other = new java.util.ArrayList<>(tls);
    other.addAll(List.of("label.operator", "soc"));
    assertThatThrownBy(() -> identity(other.toArray(String[]::new))).hasMessageContaining("is not the principal");
    // TLS without a client certificate authenticates nobody
    assertThatThrownBy(() -> identity("kafka.security.protocol", "SSL")).hasMessageContaining("label.operator");
  }

  @Test
  void controlCharactersInADeclaredNameAreRefused() {
    assertThatThrownBy(() -> identity("label.operator", "alice\nmanual:root"))
        .hasMessageContaining("control characters");
  }
}
