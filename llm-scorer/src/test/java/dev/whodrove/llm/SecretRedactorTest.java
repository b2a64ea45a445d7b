package dev.whodrove.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SecretRedactorTest {
  private final SecretRedactor redactor = new SecretRedactor();

  static final String AWS = "AKIAIOSFODNN7EXAMPLE";
  static final String AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final String GH = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
  static final String GH_PAT = "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEF";
  static final String SLACK = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
  static final String JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
  static final String GOOGLE = "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q";
  static final String PEM_BODY = "MIIEpAIBAAKCAQEA7V1d3x9Qz";
  static final String PEM = "-----BEGIN RSA PRIVATE KEY-----\n" + PEM_BODY + "\nabc\n-----END RSA PRIVATE KEY-----";
  static final String HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

  /** Terminal text with one secret of every supported kind. */
  static String plantedText() {
    return String.join("\n",
        "$ export AWS_ACCESS_KEY_ID=" + AWS,
        "$ aws configure set aws_secret_access_key " + AWS_SECRET,
        "$ git clone https://x:" + GH + "@github.com/acme/app.git",
        "GH_TOKEN=" + GH_PAT,
        "slack: " + SLACK,
        "curl -H 'Authorization: Bearer " + JWT + "' https://api.example.test",
        "maps key " + GOOGLE,
        PEM,
        "mysql -u root -p" + Fixtures.PLANTED_PASSWORD + " app",
        "db_password: " + Fixtures.PLANTED_PASSWORD,
        "./deploy --password " + Fixtures.PLANTED_PASSWORD + " --env prod",
        "signing key " + HEX,
        "ls -la /usr/lib/x86_64-linux-gnu/libc.so.6 && echo done");
  }

  static List<String> plantedSecrets() {
    return List.of(AWS, AWS_SECRET, GH, GH_PAT, SLACK, JWT, GOOGLE, PEM_BODY, Fixtures.PLANTED_PASSWORD, HEX);
  }

  @Test
  void redactsEveryPlantedSecretAndKeepsOrdinaryText() {
    SecretRedactor.Result r = redactor.redact(plantedText());
    for (String secret : plantedSecrets()) {
      assertThat(r.text()).as(secret).doesNotContain(secret);
    }
    assertThat(r.text())
        .contains("[REDACTED:aws-access-key]", "[REDACTED:github-token]", "[REDACTED:slack-token]",
            "[REDACTED:private-key]", "[REDACTED:google-api-key]", "--password [REDACTED:password]")
        .contains("ls -la /usr/lib/x86_64-linux-gnu/libc.so.6 && echo done", "./deploy", "--env prod");
    assertThat(r.redactions()).isGreaterThanOrEqualTo(plantedSecrets().size());
  }

  @Test
  void truncatedPrivateKeyIsRedactedToTheEnd() {
    String r = redactor.redact("key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA").text();
    assertThat(r).isEqualTo("key:\n[REDACTED:private-key]");
  }

  @Test
  void leavesPlainCommandsAlone() {
    String s = "kubectl rollout status deploy/api -n prod --timeout=120s\nmkdir -p /tmp/build && make -j4";
    SecretRedactor.Result r = redactor.redact(s);
    assertThat(r.text()).isEqualTo(s);
    assertThat(r.redactions()).isZero();
  }
}
