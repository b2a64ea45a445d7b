package dev.whodrove.llm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PromptPseudonymsTest {

  @Test
  void sameNameSamePseudonymWithinOnePrompt() {
    PromptPseudonyms p = new PromptPseudonyms().user("dana@corp.example").user("deploy").host("db-7.internal.example");
    assertThat(p.apply("ssh deploy@db-7.internal.example -- sudo -u dana id"))
        .isEqualTo("ssh user-1 -- sudo -u user-2 id");
    assertThat(p.apply("mail dana@corp.example; ls /home/deploy; ping db-7.internal.example"))
        .isEqualTo("mail user-2; ls /home/user-1; ping host-1");
    // a prompt or scp target: the user part as a user, the host part as a host
    assertThat(p.apply("deploy@web-3:~$ exit")).isEqualTo("user-1@host-2:~$ exit");
  }

  @Test
  void addressesKeepOnlyTheirClass() {
    PromptPseudonyms p = new PromptPseudonyms();
    assertThat(p.apply("nc -zv 10.0.0.5 5432 && curl http://203.0.113.9:8080/ && ping 127.0.0.1 && 10.0.0.5"))
        .isEqualTo("nc -zv private-ip-1 5432 && curl http://public-ip-2:8080/ && ping loopback-ip-3 && private-ip-1");
    assertThat(p.apply("from 169.254.169.254 via 172.31.9.159 and 192.168.0.105:3022"))
        .isEqualTo("from link-local-ip-4 via private-ip-5 and private-ip-6:3022");
    assertThat(p.apply("host ip-172-31-30-254 and fe80::1 and [2001:db8::42]:443 and ::ffff:10.0.0.5"))
        .isEqualTo("host private-ip-7 and link-local-ip-8 and [public-ip-9]:443 and ::ffff:private-ip-1");
    // an address and port written without brackets after "::" (as some audit events hold it)
    assertThat(p.apply("from 2a02:cf40:::43026")).isEqualTo("from public-ip-10:43026");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "npm install lodash@4.17.21", "google-cloud-sdk gcloud/530.0.0 command/gcloud.compute.instances.list",
      "date 12:30:45", "std::vector<int> v;", "docker pull nginx@sha256:0123abcd", "kubectl get pods -n prod",
      "python3 -m pip install requests==2.32.3", "see RFC 1918", "printf '%s:%s' a b"})
  void ordinaryTextIsLeftAlone(String text) {
    assertThat(new PromptPseudonyms().user("someone").host("node-1").apply(text)).isEqualTo(text);
  }
}
