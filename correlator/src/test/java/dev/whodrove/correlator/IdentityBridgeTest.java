package dev.whodrove.correlator;

import static dev.whodrove.correlator.IdentityBridge.Side.GCP;
import static dev.whodrove.correlator.IdentityBridge.Side.TELEPORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityBridgeTest {
  private static final String POOL = "principal://iam.googleapis.com/locations/global/workforcePools/corp-pool/subject/";

  @Test
  void withoutRulesNamesCompareCaseInsensitivelyAndWorkforceSubjectsByTheirSubject() {
    IdentityBridge b = IdentityBridge.DEFAULT;
    assertThat(b.identity(TELEPORT, " Alice@Corp.Example ")).isEqualTo("alice@corp.example");
    assertThat(b.identity(GCP, "alice@corp.example")).isEqualTo("alice@corp.example");
    assertThat(b.identity(GCP, POOL + "Alice%40corp.example")).isEqualTo("alice@corp.example");
    // a bare name is not the local part of anything
    assertThat(b.identity(TELEPORT, "alice")).isEqualTo("alice");
    assertThat(b.identity(GCP, "")).isEmpty();
  }

  @Test
  void exactRulesWinOverPatternsAndPatternsApplyInOrderToTheirSideOnly() {
    IdentityBridge b = IdentityBridge.of(List.of(
        "# people",
        "teleport:root-alice = alice@corp.example   # a shared login named for its owner",
        "teleport:{name} = {name}@corp.example",
        "teleport:{name}-admin = {name}@corp.example",
        "gcp:" + POOL + "{name} = {name}@corp.example"));
    assertThat(b.ruleCount()).isEqualTo(4);
    assertThat(b.identity(TELEPORT, "root-alice")).isEqualTo("alice@corp.example");
    assertThat(b.identity(TELEPORT, "Bob")).isEqualTo("bob@corp.example");
    // the first pattern takes a name with a hyphen whole; an email is left alone
    assertThat(b.identity(TELEPORT, "carol-admin")).isEqualTo("carol-admin@corp.example");
    assertThat(b.identity(TELEPORT, "dave@other.example")).isEqualTo("dave@other.example");
    assertThat(b.identity(GCP, POOL + "a1234")).isEqualTo("a1234@corp.example");
    // a Teleport rule does not rewrite GCP names
    assertThat(b.identity(GCP, "bob")).isEqualTo("bob");
  }

  @Test
  void aMapFileIsReadBeforeInlineRules(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("identities.map");
    Files.writeString(f, "teleport:svc-deploy = erin@corp.example\n\ngcp:erin.b@corp.example = erin@corp.example\n");
    IdentityBridge b = IdentityBridge.load(f, List.of("teleport:svc-deploy = someone@corp.example"));
    assertThat(b.identity(TELEPORT, "svc-deploy")).isEqualTo("erin@corp.example");
    assertThat(b.identity(GCP, "Erin.B@corp.example")).isEqualTo("erin@corp.example");
  }

  @Test
  void badRulesNameTheirLine(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("bad.map");
    Files.writeString(f, "teleport:a = a@x\nkube:b = b@x\n");
    assertThatThrownBy(() -> IdentityBridge.load(f, List.of())).hasMessageContaining("bad.map:2")
        .hasMessageContaining("teleport or gcp");
    assertThatThrownBy(() -> IdentityBridge.of(List.of("teleport:{name} = fixed@x")))
        .hasMessageContaining("rule 1").hasMessageContaining("{name}");
    assertThatThrownBy(() -> IdentityBridge.of(List.of("alice = alice@x"))).hasMessageContaining("expected");
    assertThatThrownBy(() -> IdentityBridge.load(dir.resolve("missing.map"), List.of()))
        .hasMessageContaining("cannot read identity map");
  }
}
