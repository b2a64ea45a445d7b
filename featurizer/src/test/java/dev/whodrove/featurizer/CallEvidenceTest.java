package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.GcpCallEvidence;
import dev.whodrove.schemas.v1.GcpCallStep;
import dev.whodrove.schemas.v1.NameCount;
import dev.whodrove.schemas.v1.SessionFeatures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The call evidence of synthetic sessions and bursts, computed offline through {@link GcpFeaturizer}. */
class CallEvidenceTest {
  private static final String P = "dev@example.com";
  private static final long T0 = 1_777_000_000_000L; // a whole minute
  private final List<GcpAuditEntry> entries = new ArrayList<>();
  private int seq;

  private static String gcloud(String command, String invocation, boolean tty, boolean script) {
    return "google-cloud-sdk gcloud/500.0.0 command/gcloud." + command + " invocation-id/" + invocation
        + " environment/None environment-version/None interactive/" + (tty ? "True" : "False") + " from-script/"
        + (script ? "True" : "False") + " python/3.12.3 term/xterm-256color (Linux 6.8.0),gzip(gfe)";
  }

  private GcpAuditEntry.Builder entry(double atS, String method, String resource, String ua) {
    return GcpAuditEntry.newBuilder().setInsertId("e" + seq++).setPrincipal(P).setTimestampMs(T0 + Math.round(atS * 1000))
        .setServiceName(method.contains("compute") ? "compute.googleapis.com" : "iam.googleapis.com")
        .setMethodName(method).setResourceName(resource).setCallerIp("10.0.0.1").setUserAgent(ua);
  }

  private void add(GcpAuditEntry.Builder b) {
    entries.add(b.build());
  }

  private SessionFeatures only(String substrate) {
    List<SessionFeatures> out = GcpFeaturizer.featurize(entries).stream()
        .filter(f -> f.getSubstrate().equals(substrate)).toList();
    assertThat(out).hasSize(1);
    return out.get(0);
  }

  /** Four invocations: list (2 calls), describe, a second HTTP client of describe, get-iam-policy, then set. */
  private void fourInvocations() {
    String inst = "projects/demo-proj/zones/us-central1-a/instances/api-1";
    add(entry(0.0, "v1.compute.instances.list", "projects/demo-proj/zones/us-central1-a/instances",
        gcloud("compute.instances.list", "aaa1", false, false)));
    add(entry(0.4, "v1.compute.instances.list", "projects/demo-proj/zones/us-central1-a/instances",
        gcloud("compute.instances.list", "aaa1", false, false)));
    add(entry(12.4, "v1.compute.instances.get", inst, gcloud("compute.instances.describe", "bbb2", false, false))
        .setDenied(true));
    // same command, new id, 300 ms later: another HTTP client of the same process
    add(entry(12.7, "v1.compute.instances.get", inst, gcloud("compute.instances.describe", "bbb3", false, false)));
    add(entry(20.7, "GetIamPolicy", "projects/demo-proj", gcloud("projects.get-iam-policy", "ccc4", true, false)));
    // a late call of the list invocation: continues it, starts nothing
    add(entry(21.0, "v1.compute.instances.list", "projects/demo-proj/zones/us-central1-a/instances",
        gcloud("compute.instances.list", "aaa1", false, false)));
    add(entry(23.7, "SetIamPolicy", "projects/demo-proj", gcloud("projects.add-iam-policy-binding", "ddd5", false,
        true)).setImpersonationDepth(1).setFirstDelegate("alice@example.com"));
  }

  @Test
  void invocationsGapsFlagsAndMethodsOfASession() {
    fourInvocations();
    GcpCallEvidence e = only("gcp-cloud-audit").getGcp().getEvidence();
    assertThat(e.getCalls()).isEqualTo(7);
    assertThat(e.getGcloudCalls()).isEqualTo(7);
    assertThat(e.getFlaggedCalls()).isEqualTo(7);
    assertThat(e.getTtyCalls()).isEqualTo(1);
    assertThat(e.getScriptCalls()).isEqualTo(1);
    assertThat(e.getInvocations()).isEqualTo(4);
    assertThat(e.getDistinctCommands()).isEqualTo(4);
    assertThat(e.getCommandChanges()).isEqualTo(3);
    assertThat(e.getTopCommandsList()).extracting(NameCount::getCount).containsOnly(1L);
    // gaps between invocations: 12.0 s (list → describe), 8.0 s (describe → get-iam-policy), 3.0 s (→ set)
    assertThat(e.getInvocationGapsLt2S()).isZero();
    assertThat(e.getInvocationGaps210S()).isEqualTo(2);
    assertThat(e.getInvocationGaps1040S()).isEqualTo(1);
    assertThat(e.getInvocationGapMeanS()).isCloseTo(23.0 / 3, within(1e-9));
    assertThat(e.getInvocationGapMaxS()).isEqualTo(12.0);
    double sd = Math.sqrt(((12 - 23.0 / 3) * (12 - 23.0 / 3) + (8 - 23.0 / 3) * (8 - 23.0 / 3)
        + (3 - 23.0 / 3) * (3 - 23.0 / 3)) / 3);
    assertThat(e.getInvocationGapCv()).isCloseTo(sd / (23.0 / 3), within(1e-9));
    // within: list 0.4 s, describe 0.3 s (the second client)
    assertThat(e.getWithinInvocationGaps()).isEqualTo(2);
    assertThat(e.getWithinInvocationGapMeanS()).isCloseTo(0.35, within(1e-9));
    assertThat(e.getReadCalls()).isEqualTo(6);
    assertThat(e.getWriteCalls()).isEqualTo(1);
    assertThat(e.getDeniedCalls()).isEqualTo(1);
    assertThat(e.getEarlyDeniedCalls()).isEqualTo(1);
    assertThat(e.getImpersonationCalls()).isEqualTo(1);
    assertThat(e.getPersonDelegatedCalls()).isEqualTo(1);
    assertThat(e.getDistinctServices()).isEqualTo(2);
    assertThat(e.getDistinctMethods()).isEqualTo(4);
    assertThat(e.getMaxServicesPerMinute()).isEqualTo(2);
    assertThat(e.getPrivilegedCalls()).isEqualTo(1);
    assertThat(e.getPrivilegedMethodsList()).containsExactly("SetIamPolicy");
    assertThat(e.getCallSequenceList()).extracting(GcpCallStep::getMethod).containsExactly(
        "v1.compute.instances.list", "v1.compute.instances.get", "GetIamPolicy", "v1.compute.instances.list",
        "SetIamPolicy");
    GcpCallStep describe = e.getCallSequence(1);
    assertThat(describe.getOffsetS()).isEqualTo(12.4);
    assertThat(describe.getCalls()).isEqualTo(2);
    assertThat(describe.getDenied()).isEqualTo(1);
    assertThat(describe.getCommand()).isEqualTo("gcloud.compute.instances.describe");
    assertThat(describe.getResourcePattern()).isEqualTo("projects/*/zones/*/instances/*");
  }

  @Test
  void theBurstCarriesTheSameEvidence() {
    fourInvocations();
    for (int i = 0; i < 30; i++) {
      add(entry(30 + i, "v1.compute.instances.get", "projects/p/zones/z/instances/i",
          gcloud("compute.instances.describe", "f" + i, false, false)));
    }
    SessionFeatures burst = only("gcp-gcloud-burst");
    GcpCallEvidence e = burst.getBurst().getEvidence();
    assertThat(e.getCalls()).isEqualTo(37);
    assertThat(e.getInvocations()).isEqualTo(34);
    assertThat(e).isEqualTo(only("gcp-cloud-audit").getGcp().getEvidence());
  }

  @Test
  void clientKindsAndCallsWithoutInvocations() {
    add(entry(0, "v1.compute.instances.aggregatedList", "projects/p",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36,"
            + "gzip(gfe)"));
    add(entry(1, "v1.compute.instances.insert", "projects/p/zones/z/instances/web-1",
        "Terraform/1.9.5 (+https://www.terraform.io) Terraform-Plugin-SDK/2.10.1 terraform-provider-google/5.40.0"));
    add(entry(2, "storage.objects.get", "projects/_/buckets/b/objects/a/b/c.txt", "google-cloud-sdk gcloud/548.0.0 "
        + "command/gcloud.storage.cp"));
    GcpCallEvidence e = only("gcp-cloud-audit").getGcp().getEvidence();
    assertThat(e.getBrowserCalls()).isEqualTo(1);
    assertThat(e.getIacCalls()).isEqualTo(1);
    assertThat(e.getGcloudCalls()).isEqualTo(1);
    assertThat(e.getFlaggedCalls()).isZero();
    assertThat(e.getInvocations()).isZero();
    assertThat(e.getCallSequence(2).getResourcePattern()).isEqualTo("projects/*/buckets/*/objects/*");
  }

  @Test
  void resourcePatternsKeepCollectionsOnly() {
    assertThat(GcpMethods.resourcePattern("projects/demo-proj/serviceAccounts/ops@demo-proj.iam.gserviceaccount.com"))
        .isEqualTo("projects/*/serviceAccounts/*");
    assertThat(GcpMethods.resourcePattern("//cloudresourcemanager.googleapis.com/projects/1234"))
        .isEqualTo("//cloudresourcemanager.googleapis.com/projects/*");
    assertThat(GcpMethods.resourcePattern("core/v1/namespaces/default/pods/web-7d9f/exec"))
        .isEqualTo("core/*/namespaces/*/pods/*/exec");
    assertThat(GcpMethods.resourcePattern("projects/p/zones/us-central1-a/9instances/x")).isEqualTo(
        "projects/*/zones/*/*/*");
    assertThat(GcpMethods.isRead("google.iam.admin.v1.ListServiceAccounts")).isTrue();
    assertThat(GcpMethods.isRead("io.k8s.core.v1.pods.exec.create")).isFalse();
    assertThat(GcpMethods.isPrivileged("io.k8s.core.v1.pods.exec.create")).isTrue();
    assertThat(GcpMethods.isPrivileged("google.iam.credentials.v1.IAMCredentials.GenerateAccessToken")).isTrue();
    assertThat(GcpMethods.isPrivileged("v1.compute.instances.list")).isFalse();
  }

  @Test
  void evidenceSurvivesTheStateStoreAndAMerge() {
    GcpPrincipalState state = new GcpPrincipalState(P, GcpPrincipalState.Settings.defaults());
    fourInvocations();
    GcpPrincipalState direct = new GcpPrincipalState(P, GcpPrincipalState.Settings.defaults());
    for (GcpAuditEntry e : entries) {
      state.add(e, 0);
      state = GcpPrincipalState.fromBytes(P, state.toBytes(), GcpPrincipalState.Settings.defaults());
      direct.add(e, 0);
    }
    assertThat(state.closeAll(0)).isEqualTo(direct.closeAll(0));

    // two sessions 20 minutes apart, then a late entry between them: one session with both parts' evidence
    GcpPrincipalState merging = new GcpPrincipalState(P, GcpPrincipalState.Settings.defaults());
    merging.add(entry(0, "v1.compute.instances.list", "projects/p", gcloud("compute.instances.list", "m1", true,
        false)).build(), 0);
    merging.add(entry(1200, "v1.compute.instances.list", "projects/p", gcloud("compute.instances.list", "m2", true,
        false)).build(), 0);
    merging.add(entry(600, "v1.compute.instances.get", "projects/p", gcloud("compute.instances.describe", "m3", true,
        false)).build(), 0);
    List<SessionFeatures> merged = merging.closeAll(0);
    assertThat(merged).hasSize(1);
    GcpCallEvidence e = merged.get(0).getGcp().getEvidence();
    assertThat(e.getCalls()).isEqualTo(3);
    assertThat(e.getInvocations()).isEqualTo(3);
    assertThat(e.getTtyCalls()).isEqualTo(3);
    assertThat(e.getCallSequenceList()).extracting(GcpCallStep::getOffsetS).containsExactly(0.0, 600.0, 1200.0);
  }

  /** State written before the call evidence existed (format 1) is read; its sessions and bursts go on. */
  @Test
  void formatOneStateIsRead() {
    StateWriter w = new StateWriter();
    w.varint(1).zigzag(T0 + 660_001).zigzag(Long.MAX_VALUE);
    // one session with one bucket of one call, as format 1 wrote it
    w.varint(1).str("").varint(0).bool(true).bool(false).zigzag(0);
    w.varint(1).name("google-cloud-sdk gcloud/500.0.0 command/gcloud.compute.instances.list invocation-id/old");
    w.varint(0);
    w.varint(1);
    MinuteBucketAccumulator bucket = new MinuteBucketAccumulator(T0);
    bucket.add(entry(0, "v1.compute.instances.list", "projects/p", "ua").build());
    bucket.writeTo(w);
    // one literal burst of one entry
    w.varint(1).name(P).name("10.0.0.1").name("gcloud/1 invocation-id/old").zigzag(T0).zigzag(T0).varint(1).zigzag(0)
        .varint(0);
    GapStats gaps = new GapStats();
    gaps.add(T0, 0);
    gaps.writeTo(w);
    w.varint(1).name("v1.compute.instances.list").varint(1).varint(1).name("compute.googleapis.com");
    w.varint(0).varint(0);
    GcpPrincipalState s = GcpPrincipalState.fromBytes(P, w.toByteArray(), GcpPrincipalState.Settings.defaults());
    s.add(entry(5, "v1.compute.instances.get", "projects/p", gcloud("compute.instances.describe", "new", true, false))
        .build(), 0);
    List<SessionFeatures> out = s.closeAll(0);
    assertThat(out).extracting(SessionFeatures::getSubstrate).containsExactly("gcp-cloud-audit");
    SessionFeatures session = out.get(0);
    assertThat(session.getGcp().getCallCount()).isEqualTo(2);
    assertThat(session.getGcp().getEvidence().getCalls()).isEqualTo(1); // evidence of the later entry only
    assertThat(GcpPrincipalState.fromBytes(P, s.toBytes(), GcpPrincipalState.Settings.defaults()).isEmpty()).isFalse();
  }
}
