package dev.whodrove.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.StreamsService;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.Escalation;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The case table of the classifier, end to end through the topology. */
class ClassifierTopologyTest {
  private TopologyTestDriver driver;
  private TestInputTopic<String, SessionFeatures> in;
  private TestOutputTopic<String, SessionVerdict> labels;
  private TestOutputTopic<String, Escalation> escalations;

  private void start(ClassifierConfig cfg) {
    ServiceConfig sc = ServiceConfig.of(Map.of("kafka.bootstrap.servers", "unused:9092"));
    driver = new TopologyTestDriver(ClassifierTopology.build(cfg),
        StreamsService.streamsProperties(sc, "classifier", cfg.applicationId()));
    in = driver.createInputTopic(Topics.SESSION_FEATURES.name(), new StringSerializer(),
        Topics.SESSION_FEATURES.valueSerde().serializer());
    labels = driver.createOutputTopic(Topics.SESSION_LABELS.name(), new StringDeserializer(),
        Topics.SESSION_LABELS.valueSerde().deserializer());
    escalations = driver.createOutputTopic(Topics.SESSION_ESCALATIONS.name(), new StringDeserializer(),
        Topics.SESSION_ESCALATIONS.valueSerde().deserializer());
  }

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
  }

  /** Pipes one record and returns its verdict's labels as a map. */
  private Map<String, String> classify(SessionFeatures f) {
    in.pipeInput(f.getSessionId(), f);
    SessionVerdict v = labels.readValue();
    assertThat(labels.isEmpty()).isTrue();
    return labelMap(v);
  }

  static Map<String, String> labelMap(SessionVerdict v) {
    Map<String, String> m = new TreeMap<>();
    v.getLabelsList().forEach(l -> m.put(l.getKey(), l.getValue()));
    return m;
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        // the five cadence profiles at the notes/10 reference statistics
        Arguments.of("kimi", Reference.teleport("s-kimi", Reference.ssh(), Reference.KIMI),
            Map.of("cadence.label", "kimi-k2.6", "operator.type", "agent", "agent.suspected_model", "kimi-k2.6",
                "substrate.kind", "teleport-recording", "routing.cohort", "phase1-cadence")),
        Arguments.of("gemini", Reference.teleport("s-gemini", Reference.ssh(), Reference.GEMINI),
            Map.of("cadence.label", "gemini-3.1", "operator.type", "agent", "agent.suspected_model", "gemini-3.1")),
        Arguments.of("opus", Reference.teleport("s-opus", Reference.ssh(), Reference.OPUS),
            Map.of("cadence.label", "opus-4.6", "operator.type", "agent", "agent.suspected_model", "opus-4.6",
                "agent.suspicion_score", "1", "confidence.operator-type", "1")),
        Arguments.of("gpt", Reference.teleport("s-gpt", Reference.ssh(), Reference.GPT),
            Map.of("cadence.label", "gpt-5.5", "operator.type", "agent", "agent.suspected_model", "gpt-5.5")),
        Arguments.of("human", Reference.teleport("s-human", Reference.ssh().setEditCharCount(40), Reference.HUMAN),
            Map.of("cadence.label", "human", "operator.type", "human")),
        // short session: cadence cannot speak, the PTY evidence can
        Arguments.of("insufficient, human PTY evidence", Reference.teleport("s-short",
                Reference.ssh().setPrintChunks(12).setEditCharCount(4).setMedianChunkGapMs(180).setIdleGapCount(2),
                Reference.SHORT),
            Map.of("cadence.label", "insufficient_data", "operator.type", "human", "confidence.operator-type", "0.6")),
        Arguments.of("insufficient, no evidence", Reference.teleport("s-short2",
                Reference.ssh().setPrintChunks(3).setMedianChunkGapMs(900), Reference.SHORT),
            Map.of("cadence.label", "insufficient_data", "operator.type", "unknown", "confidence.operator-type", "0")),
        Arguments.of("ambiguous", Reference.teleport("s-amb", Reference.ssh(), Reference.AMBIGUOUS),
            Map.of("cadence.label", "ambiguous", "operator.type", "unknown")),
        Arguments.of("handoff", Reference.handoff("s-handoff"),
            Map.of("cadence.segments", "2", "cadence.segment.0", "human", "cadence.segment.1", "opus-4.6",
                "cadence.handoff", "true", "operator.type", "agent", "agent.suspected_model", "opus-4.6")),
        Arguments.of("kube session", Reference.teleport("s-kube",
                Reference.ssh().setKind("kube").setPtyPresent(false).setSingleShot(true), null),
            Map.of("routing.cohort", "single-shot-non-pty", "operator.type", "unknown")),
        Arguments.of("db session", Reference.teleport("s-db", Reference.ssh().setKind("db"), null),
            Map.of("routing.cohort", "single-shot-non-pty", "operator.type", "unknown")),
        Arguments.of("ssh exec without PTY", Reference.teleport("s-exec",
                Reference.ssh().setPtyPresent(false).setInteractive(false).setSingleShot(true).setPrintChunks(0), null),
            Map.of("routing.cohort", "single-shot-non-pty", "operator.type", "unknown")),
        Arguments.of("missing recording", Reference.teleport("s-norec",
                Reference.ssh().setRecordingPresent(false).setPrintChunks(0).setRecordingUri(""), null),
            Map.of("coverage.gap", "recording-missing", "operator.type", "unknown",
                "substrate.kind", "teleport-recording")),
        Arguments.of("recording failed part-way", Reference.teleport("s-broken",
                Reference.ssh().setParseError("gzip: unexpected end of part 3"), Reference.OPUS),
            Map.of("coverage.gap", "recording-unreadable", "cadence.label", "opus-4.6", "operator.type", "agent")),
        Arguments.of("recording never completed", Reference.teleport("s-partial",
                Reference.ssh().setRecordingPresent(false), Reference.HUMAN),
            Map.of("coverage.gap", "recording-incomplete", "cadence.label", "human", "operator.type", "human")),
        // GCP principal types
        Arguments.of("gcp user", Reference.gcpSession("g-user", "alice@example.com", "gcloud/482.0.0"),
            Map.of("gcp.principal.type", "user", "gcp.ua.tool", "gcloud", "substrate.kind", "gcp-cloud-audit",
                "gcp.session.synthesised", "true", "gcp.impersonation.depth", "2", "gcp.denials.count", "5",
                "routing.cohort", "phase1-cadence", "operator.type", "unknown")),
        Arguments.of("gcp service account", Reference.gcpSession("g-sa",
                "deployer@proj-1.iam.gserviceaccount.com", "Terraform/1.6.0 terraform-provider-google/4.50.0"),
            Map.of("gcp.principal.type", "service-account", "gcp.ua.tool", "terraform", "routing.cohort", "sa-only")),
        Arguments.of("gcp workforce", Reference.gcpSession("g-wf",
                "principal://iam.googleapis.com/locations/global/workforcePools/corp/subject/bob", "gcloud/482.0.0"),
            Map.of("gcp.principal.type", "workforce-federation", "routing.cohort", "phase1-cadence")),
        Arguments.of("gcp workload", Reference.gcpSession("g-wl",
                "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/subject/x",
                "client-go/v0.28.0"),
            Map.of("gcp.principal.type", "workload-federation", "gcp.ua.tool", "client-go", "routing.cohort",
                "sa-only")),
        Arguments.of("gcp google personnel", Reference.gcpSession("g-goog", "sre@google.com", ""),
            Map.of("gcp.principal.type", "google-personnel", "gcp.ua.tool", "unknown")),
        Arguments.of("gcp unknown principal", Reference.gcpSession("g-none", "", "boto3/1.34.10 Python/3.11"),
            Map.of("gcp.principal.type", "unknown", "gcp.ua.tool", "boto3")),
        // agent UA → agent, whatever else the session looks like
        Arguments.of("gcp agent UA", Reference.gcpSession("g-claude", "alice@example.com",
                "claude-code/v0.5 google-cloud-sdk/482.0.0 command/gcloud.compute.instances.list"),
            Map.of("gcp.ua.tool", "claude-code", "operator.type", "agent", "confidence.operator-type", "0.9",
                "routing.cohort", "phase1-cadence")),
        Arguments.of("gcp iap-tunnel-only", Reference.gcpSession("g-iap", "alice@example.com", "gcloud/482.0.0")
                .toBuilder().setGcp(Reference.gcpSession("x", "alice@example.com", "gcloud/482.0.0").getGcp()
                    .toBuilder().clearBuckets().setCallCount(2)
                    .addBuckets(Reference.bucket(Reference.T0, 2, "AuthorizeUser"))).build(),
            Map.of("routing.cohort", "iap-tunnel-only")),
        Arguments.of("gcp gke exec", Reference.gcpSession("g-gke", "alice@example.com", "kubectl/v1.28.0")
                .toBuilder().setGcp(Reference.gcpSession("x", "alice@example.com", "kubectl/v1.28.0").getGcp()
                    .toBuilder().addBuckets(Reference.bucket(Reference.T0 + 120_000, 4,
                        "io.k8s.core.v1.pods.exec.create"))).build(),
            Map.of("routing.cohort", "gke-exec-opaque", "gcp.ua.tool", "kubectl")),
        // gcloud bursts: cadence on the scaled features, polling guard, SA-only
        Arguments.of("burst opus-like", Reference.burst("b-opus", "alice@example.com", "gcloud/482.0.0", 0.4,
                Reference.scaled(Reference.OPUS)),
            Map.of("substrate.kind", "gcp-gcloud-burst", "cadence.label", "opus-4.6", "operator.type", "agent",
                "routing.cohort", "phase1-cadence")),
        Arguments.of("burst polling", Reference.burst("b-poll", "alice@example.com", "gcloud/482.0.0", 0.97,
                Reference.scaled(Reference.OPUS)),
            Map.of("cadence.label", "polling", "operator.type", "unknown")),
        Arguments.of("burst SA", Reference.burst("b-sa", "ci@proj-1.iam.gserviceaccount.com", "gcloud/482.0.0", 0.5,
                Reference.scaled(Reference.AMBIGUOUS)),
            Map.of("routing.cohort", "sa-only", "gcp.principal.type", "service-account")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void caseTable(String name, SessionFeatures f, Map<String, String> expected) {
    start(ClassifierConfig.defaults());
    Map<String, String> l = classify(f);
    assertThat(l).as(name).containsAllEntriesOf(expected);
    assertThat(l.keySet()).as(name).noneMatch(k -> k.startsWith("review.")).contains("operator.type",
        "confidence.operator-type", "substrate.kind");
  }

  @ParameterizedTest(name = "UA {0} -> {1}")
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
      "Mozilla/5.0 claude-code/v0.5|claude-code", "claudecli/1.0|claude-cli", "codex/0.5|codex-cli",
      "cursor-agent/0.1|cursor", "Terraform/1.6.0 (+https://www.terraform.io)|terraform",
      "pulumi-resource-google-native/0.32.0|pulumi", "kubectl/v1.28.0 (linux/amd64) kubernetes/3.0|kubectl",
      "client-go/v0.28.0|client-go", "botocore/1.34.10|boto3", "google-cloud-sdk/482.0.0 command/gcloud.compute.ssh|gcloud",
      "PostmanRuntime/7.32.3|unknown"})
  void everyUaTool(String ua, String tool) {
    start(ClassifierConfig.defaults());
    Map<String, String> l = classify(Reference.gcpSession("g-ua", "alice@example.com", ua));
    assertThat(l).containsEntry("gcp.ua.tool", tool)
        .containsEntry("operator.type", UaTool.isAgentTool(tool) ? "agent" : "unknown");
  }

  @Test
  void labelsCarryStageVersionsAndTheFeatureTime() {
    start(ClassifierConfig.defaults());
    SessionFeatures f = Reference.teleport("s-stamp", Reference.ssh(), Reference.OPUS);
    in.pipeInput(f.getSessionId(), f);
    SessionVerdict v = labels.readValue();
    assertThat(v.getStage()).isEqualTo("phase1-classifier@v1");
    assertThat(v.getFeatures()).isEqualTo(f);
    assertThat(v.getCadenceScoresMap()).containsKeys("kimi-k2.6", "gemini-3.1", "opus-4.6", "gpt-5.5", "agent",
        "human");
    assertThat(v.getLabelsList()).allSatisfy(l -> assertThat(l.getSetAtMs()).isEqualTo(f.getComputedAtMs()));
    assertThat(v.getLabelsList()).filteredOn(l -> l.getKey().startsWith("cadence.") || l.getKey().startsWith("agent."))
        .isNotEmpty().allSatisfy(l -> assertThat(l.getSetBy()).isEqualTo("cadence@v1"));
    assertThat(v.getLabelsList()).filteredOn(l -> l.getKey().equals("operator.type"))
        .singleElement().satisfies(l -> assertThat(l.getSetBy()).isEqualTo("phase1-classifier@v1"));
  }

  @Test
  void sameFeaturesGiveTheSameVerdictBytes() {
    start(ClassifierConfig.defaults());
    SessionFeatures f = Reference.handoff("s-det");
    in.pipeInput(f.getSessionId(), f);
    in.pipeInput(f.getSessionId(), f);
    List<SessionVerdict> vs = labels.readValuesToList();
    assertThat(vs).hasSize(2);
    assertThat(vs.get(0).toByteArray()).isEqualTo(vs.get(1).toByteArray());
  }

  @Test
  void v0TableIsSelectableAndStampsItsVersion() {
    start(ClassifierConfig.defaults().withCadence(CadenceProfiles.V0));
    SessionFeatures f = Reference.teleport("s-v0", Reference.ssh(), Reference.GPT);
    in.pipeInput(f.getSessionId(), f);
    SessionVerdict v = labels.readValue();
    assertThat(labelMap(v)).containsEntry("cadence.label", "gpt-5.5");
    assertThat(v.getLabelsList()).filteredOn(l -> l.getKey().equals("cadence.label")).singleElement()
        .satisfies(l -> assertThat(l.getSetBy()).isEqualTo("cadence@v0"));
  }

  @Test
  void escalationRouting() {
    start(ClassifierConfig.defaults());
    SessionFeatures agent = Reference.teleport("s-agent", Reference.ssh(), Reference.OPUS);
    SessionFeatures human = Reference.teleport("s-human", Reference.ssh(), Reference.HUMAN);
    SessionFeatures amb = Reference.teleport("s-amb", Reference.ssh(), Reference.AMBIGUOUS);
    SessionFeatures handoff = Reference.handoff("s-hand");
    SessionFeatures gcpAgent = Reference.gcpSession("g-agent", "alice@example.com", "claude-code/v0.5");
    for (SessionFeatures f : List.of(agent, human, amb, handoff, gcpAgent)) {
      in.pipeInput(f.getSessionId(), f);
    }
    Map<String, Escalation> byId = new TreeMap<>();
    escalations.readKeyValuesToList().forEach(kv -> byId.put(kv.key, kv.value));
    assertThat(byId.keySet()).containsExactly("s-agent", "s-amb", "s-hand");
    assertThat(byId.get("s-agent").getReasonsList()).containsExactly("agent-pty-ssh");
    assertThat(byId.get("s-amb").getReasonsList()).containsExactly("ambiguous-cadence");
    assertThat(byId.get("s-hand").getReasonsList()).containsExactly("agent-pty-ssh", "handoff");
    Escalation e = byId.get("s-agent");
    assertThat(e.getEscalationVersion()).isEqualTo("phase1-classifier@v1");
    assertThat(e.getRecordingUri()).isEqualTo("s3://recordings/sessions/x.tar");
    assertThat(e.getPtyContentAllowed()).isFalse();
    assertThat(e.getFeatures()).isEqualTo(agent);
    assertThat(e.getCadenceScoresMap()).containsKey("opus-4.6");
    assertThat(e.getLabelsList()).isNotEmpty();
    assertThat(e.getCreatedAtMs()).isEqualTo(agent.getComputedAtMs());
  }

  @Test
  void escalationPolicyIsConfig() {
    start(ClassifierConfig.defaults().withEscalation(new EscalationPolicy(false, true, false, true)));
    in.pipeInput("s-agent", Reference.teleport("s-agent", Reference.ssh(), Reference.OPUS));
    in.pipeInput("s-hand", Reference.handoff("s-hand"));
    in.pipeInput("s-amb", Reference.teleport("s-amb", Reference.ssh(), Reference.AMBIGUOUS));
    List<Escalation> es = escalations.readValuesToList();
    assertThat(es).extracting(Escalation::getSessionId).containsExactly("s-amb");
    assertThat(es.get(0).getPtyContentAllowed()).isTrue();
  }

  @Test
  void poisonRecordsGoToTheDeadLetterTopic() {
    start(ClassifierConfig.defaults());
    var raw = driver.createInputTopic(Topics.SESSION_FEATURES.name(), new StringSerializer(),
        new ByteArraySerializer());
    raw.pipeInput("s-bad", new byte[] {0x0a, (byte) 0xff, 0x01}); // truncated protobuf
    in.pipeInput("s-nosub", SessionFeatures.newBuilder().setSessionId("s-nosub").build()); // no substrate at all
    in.pipeInput("s-ok", Reference.teleport("s-ok", Reference.ssh(), Reference.HUMAN));
    var dlq = driver.createOutputTopic(Topics.SESSION_FEATURES.deadLetterTopic(), new StringDeserializer(),
        Topics.deadLetterOf(Topics.SESSION_FEATURES).valueSerde().deserializer());
    // the test driver drops what the deserialization handler returns; ClassifierServiceIT sees that dead letter on a
    // real broker. The processing handler's dead letter does come through here.
    List<DeadLetter> dead = dlq.readValuesToList();
    assertThat(dead).singleElement().satisfies(d -> {
      assertThat(d.getReason()).contains("unknown substrate");
      assertThat(d.getSourceTopic()).isEqualTo("session.features");
      assertThat(d.getOriginalKey().toStringUtf8()).isEqualTo("s-nosub");
    });
    assertThat(labels.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("s-ok");
  }

  @Test
  void tombstonesAreSkipped() {
    start(ClassifierConfig.defaults());
    in.pipeInput("s-gone", (SessionFeatures) null);
    assertThat(labels.isEmpty()).isTrue();
  }

  /** The featurizer deletes a GCP session merged into another with a tombstone: nothing comes of it, not an error. */
  @Test
  void aTombstoneAmongFeaturesIsNeitherLabelledNorDeadLettered() {
    start(ClassifierConfig.defaults());
    var dlq = driver.createOutputTopic(Topics.SESSION_FEATURES.deadLetterTopic(), new StringDeserializer(),
        Topics.deadLetterOf(Topics.SESSION_FEATURES).valueSerde().deserializer());
    in.pipeInput("s-agent", Reference.teleport("s-agent", Reference.ssh(), Reference.OPUS));
    in.pipeInput("s-absorbed", (SessionFeatures) null);
    in.pipeInput("s-human", Reference.teleport("s-human", Reference.ssh().setEditCharCount(40), Reference.HUMAN));
    assertThat(labels.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("s-agent", "s-human");
    assertThat(escalations.readKeyValuesToList()).extracting(kv -> kv.key).doesNotContain("s-absorbed");
    assertThat(dlq.isEmpty()).isTrue();
  }

  /** The SIEM feeds merge every stage's stamps and are siem-export's: the classifier writes neither. */
  @Test
  void theClassifierWritesNoJsonMirror() {
    start(ClassifierConfig.defaults());
    in.pipeInput("s-x", Reference.teleport("s-x", Reference.ssh(), Reference.OPUS));
    assertThat(driver.producedTopicNames()).contains(Topics.SESSION_LABELS.name())
        .doesNotContain(Topics.SESSION_LABELS_JSON.name(), Topics.SESSION_FINDINGS_OCSF.name());
  }
}
