package dev.whodrove.correlator;

import static dev.whodrove.correlator.Verdicts.burst;
import static dev.whodrove.correlator.Verdicts.gcp;
import static dev.whodrove.correlator.Verdicts.gcpRevised;
import static dev.whodrove.correlator.Verdicts.handoff;
import static dev.whodrove.correlator.Verdicts.teleport;
import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.StreamsService;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.Correlation;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionVerdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The correlator's case table, through the whole topology (re-keying, state store, both outputs). */
class CorrelatorTopologyTest {
  private static final List<String> RULES = List.of("teleport:{name} = {name}@corp.example");

  private TopologyTestDriver driver;
  private TestInputTopic<String, SessionVerdict> in;
  private TestInputTopic<String, byte[]> raw;
  private TestOutputTopic<String, Correlation> correlations;
  private TestOutputTopic<String, SessionVerdict> labels;
  private SimpleMeterRegistry registry;
  private long clock = Verdicts.T0;

  private void start(CorrelatorConfig cfg) {
    registry = new SimpleMeterRegistry();
    ServiceConfig sc = ServiceConfig.of(Map.of("kafka.bootstrap.servers", "unused:9092"));
    driver = new TopologyTestDriver(CorrelatorTopology.build(cfg, new CorrelatorMetrics(registry)),
        StreamsService.streamsProperties(sc, "correlator", cfg.applicationId()));
    in = driver.createInputTopic(Topics.SESSION_LABELS.name(), new StringSerializer(),
        Topics.SESSION_LABELS.valueSerde().serializer());
    raw = driver.createInputTopic(Topics.SESSION_LABELS.name(), new StringSerializer(), new ByteArraySerializer());
    correlations = driver.createOutputTopic(Topics.SESSION_CORRELATIONS.name(), new StringDeserializer(),
        Topics.SESSION_CORRELATIONS.valueSerde().deserializer());
    labels = driver.createOutputTopic(Topics.SESSION_LABELS.name(), new StringDeserializer(),
        Topics.SESSION_LABELS.valueSerde().deserializer());
  }

  private void start() {
    start(CorrelatorConfig.defaults().withBridge(IdentityBridge.of(RULES)));
  }

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
  }

  /** Pipes verdicts in order, each a minute of record time after the last. */
  private void pipe(SessionVerdict... verdicts) {
    for (SessionVerdict v : verdicts) {
      clock += 60_000;
      in.pipeInput(v.getSessionId(), v, clock);
    }
  }

  /** Correlations published since the last call (tombstones as null values), in order. */
  private List<KeyValue<String, Correlation>> published() {
    return correlations.readKeyValuesToList();
  }

  /** The correlator's verdicts since the last call. */
  private List<SessionVerdict> stamped() {
    List<SessionVerdict> out = new ArrayList<>();
    labels.readValuesToList().forEach(out::add);
    return out;
  }

  private static Map<String, String> labelMap(SessionVerdict v) {
    Map<String, String> m = new TreeMap<>();
    for (Label l : v.getLabelsList()) {
      m.put(l.getKey(), l.getValue());
      assertThat(l.getSetBy()).isEqualTo("cadence-correlator@v1");
    }
    return m;
  }

  private double counter(String name, String... tags) {
    var c = registry.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void anAgentInBothPlacesIsAHighPairWithLabelsOnBothSessions() {
    start();
    pipe(teleport("t-1", "frank", 0, 12, "agent", 0.9, "opus-4.6"),
        gcp("gcp-1", "Frank@Corp.Example", 1, 10, "agent", 0.95));

    List<KeyValue<String, Correlation>> out = published();
    assertThat(out).hasSize(1);
    Correlation c = out.get(0).value;
    assertThat(out.get(0).key).isEqualTo(c.getCorrelationId()).isEqualTo(CorrelationIds.of("t-1", "gcp-1"));
    assertThat(c.getIdentity()).isEqualTo("frank@corp.example");
    assertThat(c.getTier()).isEqualTo("high");
    assertThat(c.getOverlapS()).isEqualTo(540.0);
    assertThat(c.getOverlapFraction()).isEqualTo(1.0);
    assertThat(c.getModelAgreement()).isFalse();
    assertThat(c.getJointScore()).isEqualTo(0.925);
    assertThat(c.getTeleport().hasSegmentIndex()).isFalse();

    Map<String, SessionVerdict> bySession = new LinkedHashMap<>();
    stamped().forEach(v -> bySession.put(v.getSessionId(), v));
    assertThat(bySession).containsOnlyKeys("t-1", "gcp-1");
    assertThat(labelMap(bySession.get("t-1"))).containsEntry("correlation.cross-substrate", c.getCorrelationId())
        .containsEntry("correlation.tier", "high").containsEntry("correlation.peer", "gcp-1")
        .containsEntry("confidence.correlation-cross-substrate", "0.925");
    assertThat(labelMap(bySession.get("gcp-1"))).containsEntry("correlation.peer", "t-1");
    assertThat(bySession.get("t-1").getStage()).isEqualTo("cadence-correlator@v1");
    assertThat(bySession.get("t-1").getCorrelationsList()).containsExactly(c);
    // its verdicts went back into its own input and were passed over: nothing more came out
    assertThat(correlations.isEmpty()).isTrue();
    assertThat(labels.isEmpty()).isTrue();
  }

  @Test
  void theSameModelOnBothSidesAddsTheBonus() {
    start();
    pipe(teleport("t-1", "frank", 0, 12, "agent", 0.8, "opus-4.6"),
        burst("gcpburst-1", "frank@corp.example", 60, 500, "agent", 0.6, "opus-4.6"));
    Correlation c = published().get(0).value;
    assertThat(c.getModelAgreement()).isTrue();
    assertThat(c.getJointScore()).isEqualTo(0.8); // (0.8 + 0.6) / 2 + 0.1
    assertThat(c.getTier()).isEqualTo("high");
  }

  @Test
  void anotherIdentitysAgentInTheSameMinutesIsNoPair() {
    start();
    pipe(teleport("t-1", "frank", 0, 12, "agent", 0.9, "opus-4.6"),
        gcp("gcp-2", "heidi@corp.example", 1, 10, "agent", 0.95),
        burst("gcpburst-2", "heidi@corp.example", 60, 500, "agent", 0.95, ""));
    assertThat(published()).isEmpty();
    assertThat(stamped()).isEmpty();
  }

  @Test
  void intervalsApartByMoreThanTheToleranceAreNoPair() {
    start();
    pipe(teleport("t-1", "frank", 0, 12, "agent", 0.9, "opus-4.6"),
        gcp("gcp-later", "frank@corp.example", 240, 250, "agent", 0.95), // the same identity hours later
        burst("gcpburst-70s", "frank@corp.example", 12 * 60 + 70, 12 * 60 + 400, "agent", 0.95, ""));
    assertThat(published()).isEmpty();

    pipe(burst("gcpburst-50s", "frank@corp.example", 12 * 60 + 50, 12 * 60 + 400, "agent", 0.95, ""));
    Correlation edge = published().get(0).value;
    assertThat(edge.getGcp().getSessionId()).isEqualTo("gcpburst-50s");
    assertThat(edge.getOverlapS()).isZero();
    assertThat(edge.getJointScore()).isCloseTo(0.4625, org.assertj.core.data.Offset.offset(0.001)); // half: no overlap
    assertThat(edge.getTier()).isEqualTo("low");
  }

  @Test
  void aPersonActiveInBothPlacesIsPairedButNeverHigh() {
    start();
    pipe(teleport("t-p", "ivan", 0, 15, "human", 0.95, ""),
        gcp("gcp-p", "ivan@corp.example", 2, 12, "human", 0.85),
        teleport("t-q", "judy", 0, 15, "human", 0.95, ""),
        gcp("gcp-q", "judy@corp.example", 2, 12, "agent", 1.0));
    List<Correlation> out = published().stream().map(kv -> kv.value).toList();
    assertThat(out).extracting(Correlation::getCorrelationId)
        .containsExactly(CorrelationIds.of("t-p", "gcp-p"), CorrelationIds.of("t-q", "gcp-q"));
    assertThat(out).allSatisfy(c -> assertThat(c.getTier()).isNotEqualTo("high"));
    assertThat(out.get(0).getTier()).isEqualTo("low");
    assertThat(out.get(0).getJointScore()).isZero();
  }

  @Test
  void eitherSideMayArriveHoursLate() {
    start();
    // GCP first, the recording decoded five hours later
    pipe(gcp("gcp-1", "frank@corp.example", 1, 10, "agent", 0.95));
    assertThat(published()).isEmpty();
    clock += Duration.ofHours(5).toMillis();
    pipe(teleport("t-1", "frank", 0, 12, "agent", 0.9, "opus-4.6"));
    assertThat(published()).extracting(kv -> kv.key).containsExactly(CorrelationIds.of("t-1", "gcp-1"));

    // Teleport first, a GCP burst re-read from an archive hours later
    pipe(teleport("t-2", "grace", 30, 45, "agent", 0.9, "gpt-5.5"));
    clock += Duration.ofHours(6).toMillis();
    pipe(burst("gcpburst-2", "grace@corp.example", 31 * 60, 40 * 60, "agent", 0.9, ""));
    assertThat(published()).extracting(kv -> kv.key).containsExactly(CorrelationIds.of("t-2", "gcpburst-2"));
  }

  @Test
  void aPeerArrivingAfterTheRetentionIsNotPaired() {
    start(CorrelatorConfig.defaults().withBridge(IdentityBridge.of(RULES)).withRetention(Duration.ofHours(4)));
    pipe(gcp("gcp-1", "frank@corp.example", 1, 10, "agent", 0.95),
        teleport("t-x", "someone", 6 * 60, 6 * 60 + 10, "human", 0.9, "")); // moves the event-time watermark
    pipe(teleport("t-1", "frank", 0, 12, "agent", 0.9, "opus-4.6"));
    assertThat(published()).isEmpty();
  }

  @Test
  void replaysAndCorrectionsKeepTheIds() {
    start();
    SessionVerdict t = teleport("t-1", "frank", 0, 12, "agent", 0.9, "opus-4.6");
    SessionVerdict g = gcp("gcp-1", "frank@corp.example", 1, 10, "agent", 0.95);
    SessionVerdict b = burst("gcpburst-1", "frank@corp.example", 90, 500, "agent", 0.9, "");
    pipe(t, g, b);
    List<KeyValue<String, Correlation>> first = published();
    List<SessionVerdict> firstLabels = stamped();

    pipe(t, g, b); // a replay of the same verdicts
    List<KeyValue<String, Correlation>> again = published();
    assertThat(new TreeSet<>(again.stream().map(kv -> kv.key).toList()))
        .isEqualTo(new TreeSet<>(first.stream().map(kv -> kv.key).toList()))
        .containsExactlyInAnyOrder(CorrelationIds.of("t-1", "gcp-1"), CorrelationIds.of("t-1", "gcpburst-1"));
    assertThat(last(again)).isEqualTo(last(first));
    Map<String, Map<String, String>> before = new TreeMap<>();
    firstLabels.forEach(v -> before.put(v.getSessionId(), labelMap(v)));
    Map<String, Map<String, String>> after = new TreeMap<>();
    stamped().forEach(v -> after.put(v.getSessionId(), labelMap(v)));
    assertThat(after).isEqualTo(before);

    // a corrected GCP session (late entries: a later end) updates the pair under the same id
    pipe(gcpRevised(g, 14, List.of()));
    List<KeyValue<String, Correlation>> corrected = published();
    assertThat(corrected).extracting(kv -> kv.key).contains(CorrelationIds.of("t-1", "gcp-1"))
        .doesNotHaveDuplicates().allMatch(k -> k.equals(CorrelationIds.of("t-1", "gcp-1"))
            || k.equals(CorrelationIds.of("t-1", "gcpburst-1")));
    assertThat(corrected).allSatisfy(kv -> assertThat(kv.value).isNotNull());

    // an older verdict delivered after the correction changes nothing
    pipe(g);
    assertThat(published()).isEmpty();
    assertThat(counter("whodrove.correlator.verdicts.stale")).isEqualTo(1);
  }

  private static Map<String, Correlation> last(List<KeyValue<String, Correlation>> kvs) {
    Map<String, Correlation> m = new TreeMap<>();
    kvs.forEach(kv -> m.put(kv.key, kv.value));
    return m;
  }

  @Test
  void aMergedGcpSessionWithdrawsItsPairs() {
    start();
    SessionVerdict g1 = gcp("gcp-1", "frank@corp.example", 1, 5, "agent", 0.9);
    pipe(teleport("t-1", "frank", 0, 12, "agent", 0.9, "opus-4.6"), g1);
    published();
    stamped();
    // gcp-0 started earlier and absorbed gcp-1 when a late entry bridged them
    SessionVerdict g0 = gcpRevised(gcp("gcp-0", "frank@corp.example", -20, -15, "agent", 0.9), 8, List.of("gcp-1"));
    pipe(g0);
    List<KeyValue<String, Correlation>> out = published();
    assertThat(out).extracting(kv -> kv.key)
        .containsExactlyInAnyOrder(CorrelationIds.of("t-1", "gcp-0"), CorrelationIds.of("t-1", "gcp-1"));
    assertThat(out).filteredOn(kv -> kv.key.equals(CorrelationIds.of("t-1", "gcp-1")))
        .singleElement().satisfies(kv -> assertThat(kv.value).as("tombstone").isNull());
    SessionVerdict t = stamped().stream().filter(v -> v.getSessionId().equals("t-1")).reduce((a, b) -> b)
        .orElseThrow();
    assertThat(t.getCorrelationsList()).extracting(Correlation::getCorrelationId, Correlation::getWithdrawn)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(CorrelationIds.of("t-1", "gcp-0"), false),
            org.assertj.core.groups.Tuple.tuple(CorrelationIds.of("t-1", "gcp-1"), true));
    assertThat(labelMap(t)).containsEntry("correlation.peer", "gcp-0");
  }

  @Test
  void aHandoffIsJudgedByTheSegmentBesideTheGcpCalls() {
    start();
    pipe(handoff("t-h", "frank", 0, 20, "opus-4.6"),
        burst("gcpburst-late", "frank@corp.example", 12 * 60, 19 * 60, "agent", 0.9, "opus-4.6"),
        burst("gcpburst-early", "frank@corp.example", 60, 8 * 60, "agent", 0.9, ""));
    Map<String, Correlation> byGcp = new TreeMap<>();
    published().forEach(kv -> byGcp.put(kv.value.getGcp().getSessionId(), kv.value));
    Correlation agentPart = byGcp.get("gcpburst-late");
    assertThat(agentPart.getTeleport().getSegmentIndex()).isEqualTo(1);
    assertThat(agentPart.getTeleport().getOperatorType()).isEqualTo("agent");
    assertThat(agentPart.getModelAgreement()).isTrue();
    assertThat(agentPart.getTier()).isEqualTo("high");
    Correlation personPart = byGcp.get("gcpburst-early");
    assertThat(personPart.getTeleport().getSegmentIndex()).isZero();
    assertThat(personPart.getTeleport().getOperatorType()).isEqualTo("human");
    assertThat(personPart.getTier()).isEqualTo("low");
  }

  @Test
  void identityRulesJoinNamesThatDifferAndNothingElse() {
    start(CorrelatorConfig.defaults().withBridge(IdentityBridge.of(List.of(
        "teleport:ops-admin = kate@corp.example",
        "gcp:principal://iam.googleapis.com/locations/global/workforcePools/corp/subject/{name} = {name}@corp.example"))));
    pipe(teleport("t-k", "ops-admin", 0, 12, "agent", 0.9, ""),
        gcp("gcp-k", "principal://iam.googleapis.com/locations/global/workforcePools/corp/subject/kate", 1, 10,
            "agent", 0.9),
        // without a rule a bare Teleport name does not meet the local part of an email, nor a service account
        teleport("t-l", "leo", 0, 12, "agent", 0.9, ""),
        gcp("gcp-l", "leo@corp.example", 1, 10, "agent", 0.9),
        gcp("gcp-sa", "leo@demo-proj.iam.gserviceaccount.com", 1, 10, "agent", 0.9),
        // the default: the same email on both sides, in any case
        teleport("t-m", "Mia@Corp.example", 0, 12, "agent", 0.9, ""),
        gcp("gcp-m", "mia@corp.example", 1, 10, "agent", 0.9));
    assertThat(published()).extracting(kv -> kv.key)
        .containsExactly(CorrelationIds.of("t-k", "gcp-k"), CorrelationIds.of("t-m", "gcp-m"));
  }

  @Test
  void otherStampsAndUndecodableRecordsArePassedOver() {
    start();
    SessionVerdict t = teleport("t-1", "frank", 0, 12, "agent", 0.9, "opus-4.6");
    pipe(t.toBuilder().setStage("phase1-classifier@v0").build(), // a replayed older classifier
        SessionVerdict.newBuilder().setSessionId("gcp-1").setStage("manual:ana").addLabels(Label.newBuilder()
            .setKey("review.verdict").setValue("agent").setSetBy("manual:ana")).build(),
        gcp("gcp-1", "frank@corp.example", 1, 10, "agent", 0.95));
    assertThat(published()).isEmpty();

    // an undecodable record goes to session.labels.dlq through the runtime's handler (the test driver drops what
    // that handler returns; the runtime's own tests see it on a broker) and blocks nothing after it
    raw.pipeInput("t-2", new byte[] {0x0a, (byte) 0xff, 0x01});

    // a verdict without a user is passed over and counted
    pipe(teleport("t-3", "", 0, 12, "agent", 0.9, ""));
    assertThat(counter("whodrove.correlator.verdicts.skipped", "reason", "no-user")).isEqualTo(1);
    pipe(t);
    assertThat(published()).hasSize(1);
  }

  @Test
  void identitiesThatExpireWithoutAMatchAreCounted() {
    start(CorrelatorConfig.defaults().withBridge(IdentityBridge.of(RULES)).withRetention(Duration.ofHours(1)));
    pipe(teleport("t-1", "frank", 0, 12, "agent", 0.9, "opus-4.6"),
        gcp("gcp-9", "nina@corp.example", 0, 10, "human", 0.9),
        teleport("t-2", "oscar", 0, 12, "agent", 0.9, ""),
        gcp("gcp-2", "oscar@corp.example", 1, 10, "agent", 0.9),
        gcp("gcp-x", "later@corp.example", 180, 190, "agent", 0.9)); // the watermark moves three hours on
    driver.advanceWallClockTime(Duration.ofMinutes(2));
    assertThat(counter("whodrove.correlator.identities.unmatched", "seen", "teleport-only")).isEqualTo(1);
    assertThat(counter("whodrove.correlator.identities.unmatched", "seen", "gcp-only")).isEqualTo(1);
    assertThat(counter("whodrove.correlator.identities.unmatched", "seen", "both")).isZero();
    assertThat(counter("whodrove.correlator.sessions", "side", "teleport")).isEqualTo(2);
  }
}
