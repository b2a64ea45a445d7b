package dev.whodrove.siem;

import static dev.whodrove.siem.Verdicts.CORRELATOR;
import static dev.whodrove.siem.Verdicts.P1;
import static dev.whodrove.siem.Verdicts.P2;
import static dev.whodrove.siem.Verdicts.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.StreamsService;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.MergedVerdict;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The merge of every producer's stamps and both renderings, through the topology. */
class SiemTopologyTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private TopologyTestDriver driver;
  private TestInputTopic<String, SessionVerdict> in;
  private TestOutputTopic<String, String> json;
  private TestOutputTopic<String, String> ocsf;
  private TestOutputTopic<String, DeadLetter> dlq;

  private void start(SiemConfig cfg) {
    ServiceConfig sc = ServiceConfig.of(Map.of("kafka.bootstrap.servers", "unused:9092"));
    driver = new TopologyTestDriver(SiemTopology.build(cfg),
        StreamsService.streamsProperties(sc, "siem-export", cfg.applicationId()));
    in = driver.createInputTopic(Topics.SESSION_LABELS.name(), new StringSerializer(),
        Topics.SESSION_LABELS.valueSerde().serializer());
    json = driver.createOutputTopic(Topics.SESSION_LABELS_JSON.name(), new StringDeserializer(),
        new StringDeserializer());
    ocsf = driver.createOutputTopic(Topics.SESSION_FINDINGS_OCSF.name(), new StringDeserializer(),
        new StringDeserializer());
    dlq = driver.createOutputTopic(Topics.SESSION_LABELS.deadLetterTopic(), new StringDeserializer(),
        Topics.deadLetterOf(Topics.SESSION_LABELS).valueSerde().deserializer());
  }

  private static SiemConfig ocsfOn() {
    return SiemConfig.defaults().withOcsf(true, false);
  }

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
  }

  private void pipe(SessionVerdict v) {
    in.pipeInput(v.getSessionId(), v);
  }

  private static JsonNode tree(String s) {
    try {
      return JSON.readTree(s);
    } catch (Exception e) {
      throw new AssertionError(s, e);
    }
  }

  @Test
  void phaseTwoManualAndCorrelatorStampsAreMergedWithPhaseOneUnderOneFinding() {
    start(ocsfOn());
    pipe(Verdicts.phase1("s1", "agent", "kimi-k2.6", T0 + 601_000));
    pipe(Verdicts.stamps("s1", P2, T0 + 700_000, "agent.tool", "claude-code", "agent.suspected_model", "opus-4.6",
        "work.kind", "deploy"));
    pipe(Verdicts.stamps("s1", CORRELATOR, T0 + 800_000, "correlation.gcp-session", "gcp-5b0e"));
    pipe(Verdicts.stamps("s1", "manual:analyst-7", T0 + 900_000, "review.status", "confirmed"));

    List<JsonNode> feed = json.readValuesToList().stream().map(SiemTopologyTest::tree).toList();
    assertThat(feed).extracting(n -> n.path("sequence").asLong()).containsExactly(1L, 2L, 3L, 4L);
    assertThat(feed).extracting(n -> n.path("stage").asText())
        .containsExactly(P1, P2, CORRELATOR, "manual:analyst-7");
    JsonNode last = feed.get(3);
    assertThat(last.path("schema_version").asInt()).isEqualTo(1);
    assertThat(last.path("labels").path("operator.type").asText()).isEqualTo("agent");
    assertThat(last.path("labels").path("cadence.label").asText()).isEqualTo("kimi-k2.6");
    assertThat(last.path("labels").path("agent.suspected_model").asText()).isEqualTo("opus-4.6");
    assertThat(last.path("label_set_by").path("agent.suspected_model").asText()).isEqualTo(P2);
    assertThat(last.path("labels").path("correlation.gcp-session").asText()).isEqualTo("gcp-5b0e");
    assertThat(last.path("label_set_by").path("review.status").asText()).isEqualTo("manual:analyst-7");
    assertThat(last.path("label_set_at").path("review.status").asText()).isEqualTo("2026-05-11T12:01:40.000Z");
    assertThat(last.path("emitted_at_ms").asLong()).isEqualTo(T0 + 900_000);
    assertThat(last.path("cadence_scores").path("kimi-k2.6").asDouble()).isEqualTo(1.0);
    assertThat(last.path("evidence").path("teleport").path("server_hostname").asText()).isEqualTo("db-1");
    assertThat(last.path("user").asText()).isEqualTo("alice");

    List<JsonNode> findings = ocsf.readValuesToList().stream().map(SiemTopologyTest::tree).toList();
    assertThat(findings).extracting(n -> n.path("activity_id").asInt()).containsExactly(1, 2, 2, 2);
    assertThat(findings).extracting(n -> n.path("finding_info").path("uid").asText()).containsOnly(
        "whodrove:session:s1");
    assertThat(findings).extracting(n -> n.path("finding_info").path("created_time").asLong())
        .containsOnly(T0 + 601_000);
    JsonNode update = findings.get(3);
    assertThat(update.path("type_uid").asLong()).isEqualTo(200402);
    assertThat(update.path("status_id").asInt()).as("a person looked at it").isEqualTo(2);
    assertThat(update.path("unmapped").path("labels").path("agent.tool").asText()).isEqualTo("claude-code");
    assertThat(update.path("finding_info").path("analytic").path("uid").asText()).isEqualTo(P1);
    assertThat(update.path("finding_info").path("related_analytics")).extracting(a -> a.path("uid").asText())
        .contains(P2, CORRELATOR, "manual:analyst-7", Verdicts.CADENCE);

    KeyValueStore<String, MergedVerdict> store = driver.getKeyValueStore(SiemTopology.STORE);
    assertThat(store.get("s1").getSequence()).isEqualTo(4);
    assertThat(store.get("s1").getFindings()).isEqualTo(4);
    assertThat(SiemJson.render(store.get("s1"))).isEqualTo(last.toString());
  }

  @Test
  void aPersonOverridesEveryStageAndTheFindingIsSuppressed() {
    start(ocsfOn());
    pipe(Verdicts.phase1("s2", "agent", "gpt-5.5", T0));
    pipe(Verdicts.stamps("s2", "manual:analyst-7", T0 + 1, "operator.type", "human"));
    pipe(Verdicts.phase1("s2", "agent", "gpt-5.5", T0 + 60_000)); // a classifier replay, later
    JsonNode last = tree(json.readValuesToList().get(2));
    assertThat(last.path("labels").path("operator.type").asText()).isEqualTo("human");
    List<JsonNode> findings = ocsf.readValuesToList().stream().map(SiemTopologyTest::tree).toList();
    JsonNode suppressed = findings.get(findings.size() - 1);
    assertThat(suppressed.path("status_id").asInt()).isEqualTo(3);
    assertThat(suppressed.path("is_alert").asBoolean()).isFalse();
    assertThat(suppressed.path("severity_id").asInt()).isEqualTo(1);
    assertThat(suppressed.path("finding_info").path("analytic").path("type_id").asInt()).isEqualTo(99);
  }

  @Test
  void aVerdictThatChangesNothingEmitsNothing() {
    start(ocsfOn());
    SessionVerdict v = Verdicts.phase1("s3", "agent", "kimi-k2.6", T0);
    pipe(v);
    pipe(v); // redelivered
    SessionVerdict older = Verdicts.phase1("s3", "human", null, T0 - 1_000); // an older opinion, older features
    pipe(older.toBuilder().setFeatures(older.getFeatures().toBuilder().setRevision(0)).build());
    assertThat(json.readValuesToList()).hasSize(1);
    assertThat(ocsf.readValuesToList()).hasSize(1);
  }

  @Test
  void aPlainHumanSessionIsInTheJsonFeedButGetsNoFindingUnlessAsked() {
    start(ocsfOn());
    pipe(Verdicts.phase1("s4", "human", null, T0));
    assertThat(json.readValuesToList()).hasSize(1);
    assertThat(ocsf.isEmpty()).isTrue();
    // once something is worth a finding it is created
    pipe(Verdicts.stamps("s4", P2, T0 + 1_000, "operator.type", "agent"));
    assertThat(ocsf.readValuesToList()).singleElement()
        .satisfies(f -> assertThat(tree(f).path("activity_id").asInt()).isEqualTo(1));
    close();

    start(SiemConfig.defaults().withOcsf(true, true));
    pipe(Verdicts.phase1("s5", "human", null, T0));
    JsonNode f = tree(ocsf.readValue());
    assertThat(f.path("severity_id").asInt()).isEqualTo(1);
    assertThat(f.path("is_alert").asBoolean()).isFalse();
  }

  @Test
  void aStampBeforeTheFeaturesIsShownWithoutEvidenceThenCompleted() {
    start(ocsfOn());
    pipe(Verdicts.stamps("s6", "manual:analyst-7", T0, "review.status", "watch"));
    JsonNode first = tree(json.readValue());
    assertThat(first.path("evidence").isNull()).isTrue();
    assertThat(first.path("user").isNull()).isTrue();
    assertThat(ocsf.isEmpty()).as("nothing decided yet").isTrue();
    pipe(Verdicts.phase1("s6", "agent", "kimi-k2.6", T0 + 10));
    JsonNode second = tree(json.readValue());
    assertThat(second.path("substrate").asText()).isEqualTo("teleport-recording");
    assertThat(second.path("labels").path("review.status").asText()).isEqualTo("watch");
    assertThat(second.path("evidence").path("session_id").asText()).isEqualTo("s6");
    assertThat(tree(ocsf.readValue()).path("status_id").asInt()).isEqualTo(2);
  }

  @Test
  void unmergeableVerdictsAreDeadLetteredAndTheNextOnesStillMerge() {
    start(ocsfOn());
    in.pipeInput("other-key", Verdicts.phase1("s7", "agent", "kimi-k2.6", T0));
    in.pipeInput("s8", Verdicts.stamps("s8", P2, T0, " ", "v"));
    pipe(Verdicts.phase1("s9", "agent", "kimi-k2.6", T0));
    List<DeadLetter> dead = dlq.readValuesToList();
    assertThat(dead).extracting(DeadLetter::getReason).satisfiesExactly(
        r -> assertThat(r).contains("record key 'other-key' is not the verdict's session_id 's7'"),
        r -> assertThat(r).contains("label without key"));
    assertThat(dead.get(0).getService()).isEqualTo("siem-export");
    assertThat(dead.get(0).getOriginalKey().toStringUtf8()).isEqualTo("other-key");
    assertThat(json.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("s9");
  }

  @Test
  void secretsInAnyProducersStampsNeverReachTheFeeds() {
    String token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
    start(ocsfOn());
    pipe(Verdicts.phase1("s10", "agent", "kimi-k2.6", T0));
    pipe(Verdicts.stamps("s10", "manual:analyst-7", T0 + 1, "review.note", "rotated " + token));
    List<String> out = new java.util.ArrayList<>(json.readValuesToList());
    out.addAll(ocsf.readValuesToList());
    assertThat(out).hasSize(4).allSatisfy(s -> assertThat(s).doesNotContain(token));
    assertThat(out.get(1)).contains("[REDACTED:github-token]");
  }

  @Test
  void feedsAreSwitchedByConfiguration() {
    start(SiemConfig.defaults().withJson(false));
    pipe(Verdicts.phase1("s11", "agent", "kimi-k2.6", T0));
    assertThat(driver.producedTopicNames()).doesNotContain(Topics.SESSION_LABELS_JSON.name(),
        Topics.SESSION_FINDINGS_OCSF.name());
    KeyValueStore<String, MergedVerdict> store = driver.getKeyValueStore(SiemTopology.STORE);
    assertThat(store.get("s11")).as("the store answers queries whatever is published").isNotNull();
  }
}
