package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.featurizer.UserAgentNormalizer.Grouping;
import dev.whodrove.featurizer.UserAgentNormalizer.Parsed;
import dev.whodrove.testkit.GcpAuditFixtures;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UserAgentNormalizerTest {
  private static final String FIREFOX_71 =
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:71.0) Gecko/20100101 Firefox/71.0";

  /** Every user agent of the real samples, by file:line, with its normalized form. */
  private static Map<String, String> expectedClients() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("elastic-integrations.jsonl:1", FIREFOX_71);
    m.put("elastic-integrations.jsonl:2", FIREFOX_71);
    m.put("elastic-integrations.jsonl:3", "webhook/v0.0.0 (linux/amd64) kubernetes/$Format");
    m.put("elastic-integrations.jsonl:4", "google-cloud-sdk gcloud/290.0.1 environment/None environment-version/None "
        + "python/2.7.17 term/xterm-256color (Macintosh; Intel Mac OS X 19.6.0)");
    m.put("elastic-integrations.jsonl:5",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:79.0) Gecko/20100101 Firefox/79.0");
    m.put("elastic-integrations.jsonl:6", "kube-probe/1.19+");
    m.put("elastic-integrations.jsonl:7", "Go-http-client/2.0");
    m.put("google-cloudevents-testdata.jsonl:1", "google-cloud-sdk");
    m.put("google-cloudevents-testdata.jsonl:2", "google-cloud-sdk357.0.0 (gzip)");
    m.put("google-cloudevents-testdata.jsonl:3", "google-cloud-sdk357.0.0 (gzip)");
    m.put("grafana-alloy.jsonl:1", "thanos-store-gateway/1.5.0 (go1.14.9)");
    m.put("panther-rule-tests-normalised-keys.jsonl:1", "google-cloud-sdk");
    m.put("panther-rule-tests-normalised-keys.jsonl:2", "google-cloud-sdk gcloud/431.0.0 environment/devshell "
        + "environment-version/None client-os/LINUX client-os-ver/5.15.107 client-pltf-arch/x86_64 python/3.9.2 "
        + "term/screen (Linux 5.15.107+)");
    m.put("panther-rule-tests-normalised-keys.jsonl:3", "Terraform/0.13.2 terraform-provider-google/3.90.1");
    m.put("panther-rule-tests-normalised-keys.jsonl:4", "google-api-go-client/0.5 gke-metadata-server");
    m.put("panther-rule-tests-normalised-keys.jsonl:6", "google-cloud-sdk gcloud/500.0.0");
    m.put("panther-rule-tests-normalised-keys.jsonl:7", "google-cloud-sdk gcloud/548.0.0");
    m.put("panther-rule-tests-normalised-keys.jsonl:9",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:92.0) Gecko/20100101 Firefox/92.0");
    m.put("panther-rule-tests-normalised-keys.jsonl:11", "kubectl/v1.28.2 (darwin/amd64) kubernetes/89a4ea3");
    m.put("panther-rule-tests-normalised-keys.jsonl:12", "kubectl/v1.28.2 (darwin/amd64) kubernetes/89a4ea3");
    for (int i = 1; i <= 7; i++) {
      m.put("plaso-gcp_logging.jsonl:" + i, "UserAgent");
    }
    m.put("plaso-gcp_logging.jsonl:8", "fake-user-agent-string environment/GCE");
    m.put("plaso-gcp_logging.jsonl:9", "(gzip)");
    m.put("sekoia-intake-formats.jsonl:1", "kubestore_collector/v0.0.0 (linux/amd64) kubernetes/$Format");
    m.put("sekoia-intake-formats.jsonl:2",
        "kube-scheduler/v1.22.8 (linux/amd64) kubernetes/2dca91e/leader-election");
    return m;
  }

  @Test
  void everyRealUserAgentNormalizesToItsClient() {
    List<GcpAuditFixtures.UserAgent> uas = GcpAuditFixtures.userAgents();
    Map<String, String> expected = expectedClients();
    // a sample added to the fixtures needs its expectation here
    assertThat(uas).extracting(GcpAuditFixtures.UserAgent::where).containsExactlyElementsOf(expected.keySet());
    for (GcpAuditFixtures.UserAgent ua : uas) {
      String client = UserAgentNormalizer.normalize(ua.value());
      assertThat(client).as(ua.where()).isEqualTo(expected.get(ua.where()));
      assertThat(client).as(ua.where()).doesNotContain("gzip(gfe)", "invocation-id/", "command/", "interactive/",
          "from-script/", "  ");
      assertThat(UserAgentNormalizer.normalize(client)).as("idempotent " + ua.where()).isEqualTo(client);
      assertThat(Grouping.LITERAL.keyOf(ua.value())).isEqualTo(ua.value());
    }
  }

  @Test
  void realGcloudUserAgentsYieldTheirCommandInvocationAndFlags() {
    Map<String, Parsed> parsed = new LinkedHashMap<>();
    GcpAuditFixtures.userAgents().forEach(ua -> parsed.put(ua.where(), UserAgentNormalizer.parse(ua.value())));
    assertThat(parsed.get("elastic-integrations.jsonl:4")).satisfies(p -> {
      assertThat(p.command()).isEqualTo("gcloud.compute.images.create");
      assertThat(p.invocationId()).isEqualTo("032752ad0fa44b4ea951951d2deef6a3");
      assertThat(p.interactive()).isTrue();
      assertThat(p.fromScript()).isFalse();
    });
    assertThat(parsed.get("panther-rule-tests-normalised-keys.jsonl:2")).satisfies(p -> {
      assertThat(p.command()).isEqualTo("gcloud.iam.service-accounts.create");
      assertThat(p.invocationId()).isEqualTo("b2ea5dab8c9b4bff8bc15ab299dff79e");
      assertThat(p.interactive()).isTrue();
      assertThat(p.fromScript()).isFalse();
    });
    assertThat(parsed.get("panther-rule-tests-normalised-keys.jsonl:6")).satisfies(p -> {
      assertThat(p.command()).isEqualTo("gcloud.kms.keys.add-iam-policy-binding");
      assertThat(p.invocationId()).isEmpty();
      assertThat(p.interactive()).isNull();
      assertThat(p.fromScript()).isNull();
    });
    assertThat(parsed.get("panther-rule-tests-normalised-keys.jsonl:7").command()).isEqualTo("gcloud.storage.cp");
    assertThat(parsed.get("plaso-gcp_logging.jsonl:8")).satisfies(p -> {
      assertThat(p.command()).isEqualTo("gcloud.compute.instances.insert");
      assertThat(p.invocationId()).isEqualTo("a1b2c3d4e5f6");
    });
    // nothing else in the samples carries per-invocation tokens
    parsed.forEach((where, p) -> {
      if (!List.of("elastic-integrations.jsonl:4", "panther-rule-tests-normalised-keys.jsonl:2",
          "panther-rule-tests-normalised-keys.jsonl:6", "panther-rule-tests-normalised-keys.jsonl:7",
          "plaso-gcp_logging.jsonl:8").contains(where)) {
        assertThat(p.command()).as(where).isEmpty();
        assertThat(p.invocationId()).as(where).isEmpty();
        assertThat(p.interactive()).as(where).isNull();
      }
    });
  }

  /** The real gcloud 431 user agent with another invocation: a different command, id and terminal state. */
  @Test
  void invocationsOfOneClientShareTheKeyAndOtherVersionsDoNot() {
    String a = "google-cloud-sdk gcloud/431.0.0 command/gcloud.iam.service-accounts.create "
        + "invocation-id/b2ea5dab8c9b4bff8bc15ab299dff79e environment/devshell environment-version/None "
        + "client-os/LINUX client-os-ver/5.15.107 client-pltf-arch/x86_64 interactive/True from-script/False "
        + "python/3.9.2 term/screen (Linux 5.15.107+),gzip(gfe)";
    String b = a.replace("command/gcloud.iam.service-accounts.create", "command/gcloud.compute.instances.list")
        .replace("b2ea5dab8c9b4bff8bc15ab299dff79e", "7d0c2f6e91b84a3c9e5f0a1b2c3d4e5f")
        .replace("interactive/True", "interactive/False").replace("from-script/False", "from-script/True")
        .replace(",gzip(gfe)", ",gzip(gfe),gzip(gfe)");
    assertThat(Grouping.CLIENT.keyOf(b)).isEqualTo(Grouping.CLIENT.keyOf(a));
    assertThat(Grouping.LITERAL.keyOf(b)).isNotEqualTo(Grouping.LITERAL.keyOf(a));
    assertThat(Grouping.CLIENT.keyOf(a.replace("gcloud/431.0.0", "gcloud/432.0.0")))
        .isNotEqualTo(Grouping.CLIENT.keyOf(a));
    assertThat(Grouping.CLIENT.keyOf(a.replace("term/screen", "term/dumb"))).isNotEqualTo(Grouping.CLIENT.keyOf(a));
  }

  @Test
  void whiteSpaceRunsAndEmptyInput() {
    assertThat(UserAgentNormalizer.normalize("gcloud/1.0  term/xterm   (Linux  6.1)\t,gzip(gfe)"))
        .isEqualTo("gcloud/1.0 term/xterm (Linux 6.1)");
    assertThat(UserAgentNormalizer.normalize(null)).isEmpty();
    assertThat(UserAgentNormalizer.normalize("")).isEmpty();
    assertThat(UserAgentNormalizer.normalize(",gzip(gfe)")).isEmpty();
    assertThat(UserAgentNormalizer.normalize("lib/1 gccl-invocation-id/abc (x")).isEqualTo("lib/1 (x");
  }

  @Test
  void groupingModesParse() {
    assertThat(Grouping.parse("client")).isEqualTo(Grouping.CLIENT);
    assertThat(Grouping.parse(" Literal ")).isEqualTo(Grouping.LITERAL);
    assertThatThrownBy(() -> Grouping.parse("exact")).hasMessageContaining("client or literal");
  }
}
