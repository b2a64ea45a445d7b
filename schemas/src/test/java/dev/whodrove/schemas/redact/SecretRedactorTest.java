package dev.whodrove.schemas.redact;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SecretRedactorTest {
  private final SecretRedactor redactor = new SecretRedactor();

  static final String PASSWORD = "hunter2-Sup3rS3cret";
  static final String AWS = "AKIAIOSFODNN7EXAMPLE";
  static final String AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final String GH = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
  static final String GH_PAT = "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEF";
  static final String GITLAB = "glpat-" + "xY9zA8bC7dE6fG5hI4jK";
  static final String SLACK = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
  static final String SLACK_HOOK = "T00000000/B00000000/" + "XXXXXXXXXXXXXXXXXXXXXXXX";
  static final String JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
  static final String GOOGLE = "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q";
  static final String GOOGLE_OAUTH = "ya29." + "a0AfH6SMBx1234567890abcdefghijklmnop";
  static final String OPENAI = "sk-proj-" + "abcdefghijklmnopqrstuvwx1234";
  static final String STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc";
  static final String NPM = "npm_" + "abcdefghijklmnopqrstuvwxyz0123456789";
  static final String PEM_BODY = "MIIEpAIBAAKCAQEA7V1d3x9Qz";
  static final String PEM = "-----BEGIN RSA PRIVATE KEY-----\n" + PEM_BODY + "\nabc\n-----END RSA PRIVATE KEY-----";
  static final String HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

  /** Every rule: a command line, the secret in it that must go, and the mark it must leave. */
  static Stream<Arguments> rules() {
    return Stream.of(
        Arguments.of("-----BEGIN OPENSSH PRIVATE KEY-----\n" + PEM_BODY + "\n-----END OPENSSH PRIVATE KEY-----",
            PEM_BODY, "[REDACTED:private-key]"),
        Arguments.of("export AWS_ACCESS_KEY_ID=" + AWS, AWS, "[REDACTED:aws-access-key]"),
        Arguments.of("aws configure set aws_secret_access_key " + AWS_SECRET, AWS_SECRET, "[REDACTED:secret]"),
        Arguments.of("git push https://" + GH + "@github.com/acme/app.git", GH, "[REDACTED:github-token]"),
        Arguments.of("GH_TOKEN=" + GH_PAT + " gh pr list", GH_PAT, "GH_TOKEN=[REDACTED:"),
        Arguments.of("glab auth login --stdin <<< " + GITLAB, GITLAB, "[REDACTED:gitlab-token]"),
        Arguments.of("echo " + SLACK, SLACK, "[REDACTED:slack-token]"),
        Arguments.of("curl -X POST https://hooks.slack.com/services/" + SLACK_HOOK, SLACK_HOOK,
            "https://hooks.slack.com/services/[REDACTED:slack-webhook]"),
        Arguments.of("echo " + JWT + " | jwt decode -", JWT, "[REDACTED:jwt]"),
        Arguments.of("curl 'https://maps.example.test/api?key=" + GOOGLE + "'", GOOGLE, "[REDACTED:"),
        Arguments.of("curl -s -H x " + GOOGLE_OAUTH, GOOGLE_OAUTH, "[REDACTED:google-oauth-token]"),
        Arguments.of("OPENAI=1 ./run " + OPENAI, OPENAI, "[REDACTED:api-key]"),
        Arguments.of("stripe charges list --api " + STRIPE, STRIPE, "[REDACTED:api-key]"),
        Arguments.of("npm config set //registry/:_authToken " + NPM, NPM, "[REDACTED:npm-token]"),
        Arguments.of("curl -H 'Authorization: token " + PASSWORD + "' https://api.example.test", PASSWORD,
            "Authorization: token [REDACTED:authorization]"),
        Arguments.of("curl -H \"Authorization: Bearer " + PASSWORD + "\" https://api.example.test", PASSWORD,
            "Authorization: Bearer [REDACTED:authorization]"),
        Arguments.of("curl -H 'Cookie: session=" + PASSWORD + "' https://app", PASSWORD, "Cookie: [REDACTED:cookie]"),
        Arguments.of("http GET api.example.test 'X-Api-Key: " + PASSWORD + "'", PASSWORD, "X-Api-Key: [REDACTED:password]"),
        Arguments.of("psql postgres://app:" + PASSWORD + "@db-7/app", PASSWORD,
            "postgres://[REDACTED:url-credentials]@db-7/app"),
        Arguments.of("git clone https://deploy:" + PASSWORD + "@git.example.test/acme/app.git", "deploy:",
            "https://[REDACTED:url-credentials]@git.example.test"),
        Arguments.of("./deploy --password " + PASSWORD + " --env prod", PASSWORD, "--password [REDACTED:password] --env prod"),
        Arguments.of("vault login --token=" + PASSWORD, PASSWORD, "--token=[REDACTED:password]"),
        Arguments.of("openssl pkcs12 -export -passout pass:" + PASSWORD + " -out k.p12", PASSWORD, "-passout [REDACTED:password]"),
        Arguments.of("mysql -h db -u root -p" + PASSWORD + " app", PASSWORD, "-p[REDACTED:password] app"),
        Arguments.of("mysqldump --user=root -p'" + PASSWORD + "' app", PASSWORD, "-p[REDACTED:password] app"),
        Arguments.of("sshpass -p " + PASSWORD + " ssh host", PASSWORD, "sshpass -p [REDACTED:password] ssh host"),
        Arguments.of("mongosh -u admin -p " + PASSWORD + " --authenticationDatabase admin", PASSWORD, "-p [REDACTED:password]"),
        Arguments.of("docker login -u ci -p " + PASSWORD + " registry.example.test", PASSWORD, "-p [REDACTED:password]"),
        Arguments.of("redis-cli -h cache -a " + PASSWORD + " ping", PASSWORD, "-a [REDACTED:password] ping"),
        Arguments.of("sqlcmd -S db -U sa -P " + PASSWORD + " -Q 'select 1'", PASSWORD, "-P [REDACTED:password]"),
        Arguments.of("curl -u admin:" + PASSWORD + " https://api.example.test", PASSWORD, "curl -u [REDACTED:password] https"),
        Arguments.of("wget --user=admin:" + PASSWORD + " https://x.example.test", PASSWORD, "--user=[REDACTED:password]"),
        Arguments.of("CREATE USER app WITH PASSWORD '" + PASSWORD + "'", PASSWORD, "PASSWORD [REDACTED:password]"),
        Arguments.of("ALTER USER 'app'@'%' IDENTIFIED BY '" + PASSWORD + "';", PASSWORD, "IDENTIFIED BY [REDACTED:password];"),
        Arguments.of("PGPASSWORD=" + PASSWORD + " psql -h db -U app", PASSWORD, "PGPASSWORD=[REDACTED:password] psql"),
        Arguments.of("MYSQL_PWD='" + PASSWORD + "' mysql -u root", PASSWORD, "MYSQL_PWD=[REDACTED:password] mysql"),
        Arguments.of("kubectl create secret generic db --from-literal=password=" + PASSWORD, PASSWORD,
            "password=[REDACTED:password]"),
        Arguments.of("{\"db_password\": \"" + PASSWORD + "\"}", PASSWORD, "\"db_password\": [REDACTED:password]}"),
        Arguments.of("/api/v1/proxy?access_token%3D" + PASSWORD, PASSWORD, "access_token%3D[REDACTED:password]"),
        Arguments.of("curl 'https://b.s3.example.test/k?X-Amz-Signature=" + PASSWORD + "&X-Amz-Expires=60'", PASSWORD,
            "X-Amz-Signature=[REDACTED:password]&X-Amz-Expires=60"),
        Arguments.of("az storage blob download --sas 'https://a.blob.example.test/c/b?sv=2022&sig=" + PASSWORD + "'",
            PASSWORD, "&sig=[REDACTED:signature]"),
        Arguments.of("gpg --verify " + HEX, HEX, "[REDACTED:hex-secret]"));
  }

  @ParameterizedTest
  @MethodSource("rules")
  void everyRuleRedactsItsSecret(String text, String secret, String expected) {
    SecretRedactor.Result r = redactor.redact(text);
    assertThat(r.text()).doesNotContain(secret).contains(expected);
    assertThat(r.redactions()).isPositive();
    assertThat(redactor.clean(r.text())).as("redacting twice changes nothing").isEqualTo(r.text());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "ls -p /tmp", "ls -la /usr/lib/x86_64-linux-gnu/libc.so.6 && echo done",
      "grep -u pattern file.txt", "grep -rn -u --color password src/",
      "psql -U postgres -d app", "psql -h db -p 5432 -U app -d app -c 'select 1'",
      "mysql -u root -p app", "mysql -h db -P 3306 -u root app",
      "mkdir -p /tmp/build && make -j4", "ssh -p 2222 root@db", "nc -l -p 11434", "nmap -v -iR 100000 -Pn -p 80",
      "docker run -u 1000:1000 -p 8080:80 nginx", "kubectl rollout status deploy/api -n prod --timeout=120s",
      "kubectl get secret db-creds -o yaml", "cat /etc/passwd", "echo $PWD", "passwd alice",
      "export PATH=/usr/local/bin:$PATH", "git log --pretty=format:%h -n 5", "tar -xzf x.tar.gz -C /opt",
      "GET /api/v1/namespaces/teletest/pods/test-pod -> 200",
      "/api/v1/namespaces/default/pods/web-1/exec?command=sh&command=-c&command=env&stdin=true",
      "select id from test where id = $1::varchar", "UPDATE `test`.`user` SET `age` = '7' WHERE (`name` = 'x')",
      "vault kv get -field=password secret/db", "ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519 -N ''",
      "curl -sS https://api.example.test/v1/items?page=2", "scikit-learn==1.5.0 sk-learn",
      "{\"find\": \"test\", \"$clusterTime\": {\"signature\": {\"hash\": \"8X7BlnDAUxKgUo5lpI3XoKoNF54=\"}}}"})
  void ordinaryCommandsAreLeftAlone(String command) {
    SecretRedactor.Result r = redactor.redact(command);
    assertThat(r.text()).isEqualTo(command);
    assertThat(r.redactions()).isZero();
  }

  @Test
  void truncatedPrivateKeyIsRedactedToTheEnd() {
    String r = redactor.clean("key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA");
    assertThat(r).isEqualTo("key:\n[REDACTED:private-key]");
  }

  @Test
  void argumentVectorsAreRedactedAcrossElements() {
    assertThat(redactor.cleanArgv(List.of("./deploy", "--password", PASSWORD, "--env", "prod")))
        .containsExactly("./deploy", "--password", "[REDACTED:password]", "--env", "prod");
    assertThat(redactor.cleanArgv(List.of("/usr/bin/mysql", "-u", "root", "-p" + PASSWORD, "app")))
        .containsExactly("/usr/bin/mysql", "-u", "root", "-p[REDACTED:password]", "app");
    assertThat(redactor.cleanArgv(List.of("curl", "-u", "admin:" + PASSWORD, "https://x.example.test")))
        .containsExactly("curl", "-u", "[REDACTED:password]", "https://x.example.test");
    // Teleport's session.command leaves the program out of argv: it is given separately
    assertThat(redactor.cleanArgv("/usr/bin/mysql", List.of("-u", "root", "-p" + PASSWORD)))
        .containsExactly("-u", "root", "-p[REDACTED:password]");
    // the whole command line as one element, as Teleport's initial_command holds it
    assertThat(redactor.cleanArgv(List.of("PGPASSWORD=" + PASSWORD + " psql -h db -U app")))
        .containsExactly("PGPASSWORD=[REDACTED:password] psql -h db -U app");
    List<String> plain = List.of("psql", "-U", "postgres", "-d", "app");
    assertThat(redactor.cleanArgv(plain)).isSameAs(plain);
  }

  @Test
  void uriRedactionKeepsTheAddressUsable() {
    String s3 = "s3://recordings/sessions/8d57a9d5-3848-5ce2-a326-85eb4a6d2eed.tar";
    assertThat(redactor.cleanUri(s3)).isEqualTo(s3);
    String file = "file:///var/lib/teleport/log/upload/streaming/default/9f86d081884c7d659a2feaa0c55ad015.tar";
    assertThat(redactor.cleanUri(file)).isEqualTo(file);
    assertThat(redactor.cleanUri("https://u:" + PASSWORD + "@store.example.test/r?token=" + PASSWORD + "&v=1"))
        .isEqualTo("https://[REDACTED:url-credentials]@store.example.test/r?token=[REDACTED:password]&v=1");
  }

  @Test
  void aSecretAcrossTheCutIsRedactedWhole() {
    String text = "x".repeat(490) + " --password " + PASSWORD + " " + "y".repeat(100_000);
    String r = redactor.clean(text, 512);
    assertThat(r).hasSize(512).doesNotContain("hunter2").startsWith("x".repeat(490) + " --password [REDA");
  }

  @Test
  void longRunsStayFast() {
    String blob = "A1b2C3d4".repeat(200_000) + " password=" + PASSWORD;
    long t0 = System.nanoTime();
    String r = redactor.clean(blob);
    assertThat(System.nanoTime() - t0).isLessThan(5_000_000_000L);
    assertThat(r).doesNotContain(PASSWORD);
  }
}
