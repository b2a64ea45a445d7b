package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.runtime.InputLag;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.SessionFeatures;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GcpTopologyTest {
  private static final String P = "dev@example.com";
  private static final String GCLOUD = "google-cloud-sdk/482.0.0 command/gcloud.compute.instances.list";
  private DriverSupport d;
  private int seq;

  @BeforeEach
  void setUp() {
    d = new DriverSupport(FeaturizerConfig.defaults());
  }

  @AfterEach
  void tearDown() {
    d.close();
  }

  private void entry(String time, String service, String method, String ua) {
    long ts = Instant.parse(time).toEpochMilli();
    GcpAuditEntry e = GcpAuditEntry.newBuilder().setInsertId("id-" + seq++).setTimestampMs(ts).setPrincipal(P)
        .setServiceName(service).setMethodName(method).setCallerIp("10.0.0.1").setUserAgent(ua).build();
    d.gcp.pipeInput(P, e, ts);
  }

  private static String expectedId(String principal, String firstBucket) throws Exception {
    byte[] h = MessageDigest.getInstance("SHA-256")
        .digest((principal + "|" + firstBucket).getBytes(StandardCharsets.UTF_8));
    return "gcp-" + HexFormat.of().formatHex(h).substring(0, 24);
  }

  private List<SessionFeatures> sessions() {
    return d.features.readValuesToList().stream()
        .filter(f -> f != null && f.getSubstrate().equals("gcp-cloud-audit")).toList();
  }

  @Test
  void minuteBucketsGlueUpToTheIdleThresholdAndSplitBeyondIt() throws Exception {
    entry("2026-04-25T10:00:05Z", "compute.googleapis.com", "v1.compute.instances.list", "curl/8");
    entry("2026-04-25T10:00:40Z", "compute.googleapis.com", "v1.compute.instances.get", "curl/8");
    entry("2026-04-25T10:00:41Z", "iam.googleapis.com", "GetIamPolicy", "curl/8");
    entry("2026-04-25T10:01:10Z", "compute.googleapis.com", "v1.compute.instances.list", "curl/8");
    entry("2026-04-25T10:11:30Z", "storage.googleapis.com", "storage.objects.get", "curl/8"); // 10 min: glued
    assertThat(d.features.isEmpty()).isTrue();
    entry("2026-04-25T10:30:00Z", "compute.googleapis.com", "v1.compute.instances.list", "curl/8"); // 19 min: new
    d.driver.advanceWallClockTime(Duration.ofSeconds(30)); // punctuation: stream time closed the first session
    List<SessionFeatures> first = sessions();
    assertThat(first).hasSize(1);
    SessionFeatures s = first.get(0);
    assertThat(s.getSessionId()).isEqualTo(expectedId(P, "2026-04-25T10:00:00Z")).hasSize(28);
    assertThat(s.getStartedMs()).isEqualTo(Instant.parse("2026-04-25T10:00:00Z").toEpochMilli());
    assertThat(s.getEndedMs()).isEqualTo(Instant.parse("2026-04-25T10:12:00Z").toEpochMilli());
    assertThat(s.getGcp().getCallCount()).isEqualTo(5);
    assertThat(s.getGcp().getBucketsList()).extracting(b -> b.getCallCount()).containsExactly(3L, 1L, 1L);
    assertThat(s.getGcp().getMaxDistinctServices()).isEqualTo(2);
    assertThat(s.getGcp().getMaxDistinctMethods()).isEqualTo(3);
    assertThat(s.getGcp().getBuckets(0).getTopServices(0).getName()).isEqualTo("compute.googleapis.com");
    assertThat(s.getGcp().getBuckets(0).getTopServices(0).getCount()).isEqualTo(2);
    // gaps 60 s and 600 s: median of two = mean
    assertThat(s.getGcp().getMedianInterBucketGapS()).isEqualTo(330.0);
    assertThat(s.getGcp().getIdleThresholdS()).isEqualTo(600);

    // the second session closes by wall clock alone: nothing else arrives
    d.driver.advanceWallClockTime(Duration.ofMinutes(5));
    assertThat(sessions()).isEmpty();
    d.driver.advanceWallClockTime(Duration.ofMinutes(7));
    List<SessionFeatures> second = sessions();
    assertThat(second).hasSize(1);
    assertThat(second.get(0).getSessionId()).isEqualTo(expectedId(P, "2026-04-25T10:30:00Z"));
  }

  @Test
  void lateEntryBridgingTwoEmittedSessionsMergesIntoTheEarlierOne() throws Exception {
    entry("2026-04-25T10:00:00Z", "compute.googleapis.com", "list", "curl/8");
    entry("2026-04-25T10:20:00Z", "compute.googleapis.com", "list", "curl/8");
    d.driver.advanceWallClockTime(Duration.ofMinutes(12));
    List<SessionFeatures> emitted = sessions();
    assertThat(emitted).hasSize(2);
    String earlier = expectedId(P, "2026-04-25T10:00:00Z");
    String later = expectedId(P, "2026-04-25T10:20:00Z");
    assertThat(emitted).extracting(SessionFeatures::getSessionId).containsExactlyInAnyOrder(earlier, later);

    entry("2026-04-25T10:10:00Z", "compute.googleapis.com", "get", "curl/8"); // late, 10 min from both
    d.driver.advanceWallClockTime(Duration.ofMinutes(12));
    List<SessionFeatures> corrected = sessions();
    assertThat(corrected).hasSize(1);
    SessionFeatures m = corrected.get(0);
    assertThat(m.getSessionId()).isEqualTo(earlier);
    assertThat(m.getRevision()).isEqualTo(2);
    assertThat(m.getGcp().getMergedSessionIdsList()).containsExactly(later);
    assertThat(m.getGcp().getCallCount()).isEqualTo(3);
    assertThat(m.getGcp().getBucketsCount()).isEqualTo(3);
  }

  @Test
  void theAbsorbedSessionGetsATombstoneSoAReplayDoesNotFindIt() throws Exception {
    entry("2026-04-25T10:00:00Z", "compute.googleapis.com", "list", "curl/8");
    entry("2026-04-25T10:20:00Z", "compute.googleapis.com", "list", "curl/8");
    d.driver.advanceWallClockTime(Duration.ofMinutes(12));
    String earlier = expectedId(P, "2026-04-25T10:00:00Z");
    String later = expectedId(P, "2026-04-25T10:20:00Z");
    // what a replay reads of the compacted topic: the newest value per key, a tombstone removing the key
    Map<String, SessionFeatures> compacted = new LinkedHashMap<>();
    List<KeyValue<String, SessionFeatures>> log = new ArrayList<>();
    Runnable drain = () -> d.features.readKeyValuesToList().forEach(kv -> {
      log.add(kv);
      if (kv.value == null) {
        compacted.remove(kv.key);
      } else {
        compacted.put(kv.key, kv.value);
      }
    });
    drain.run();
    assertThat(compacted).containsOnlyKeys(earlier, later);

    entry("2026-04-25T10:10:00Z", "compute.googleapis.com", "get", "curl/8"); // bridges both: later is absorbed
    drain.run();
    assertThat(log).last().satisfies(kv -> {
      assertThat(kv.key).isEqualTo(later);
      assertThat(kv.value).isNull();
    });
    d.driver.advanceWallClockTime(Duration.ofMinutes(12));
    drain.run();
    assertThat(compacted).containsOnlyKeys(earlier);
    assertThat(compacted.get(earlier).getGcp().getMergedSessionIdsList()).containsExactly(later);

    // a later revision of the survivor deletes nothing again
    entry("2026-04-25T10:21:00Z", "compute.googleapis.com", "get", "curl/8");
    d.driver.advanceWallClockTime(Duration.ofMinutes(12));
    int before = log.size();
    drain.run();
    assertThat(log.subList(before, log.size())).extracting(kv -> kv.key).containsExactly(earlier);
    assertThat(log).filteredOn(kv -> kv.value == null).hasSize(1);
    assertThat(compacted).containsOnlyKeys(earlier);
  }

  @Test
  void pollingBurstIsScoredWithScaledGapsAndDominantMethod() {
    for (int i = 0; i < 40; i++) {
      String t = Instant.parse("2026-04-25T09:00:00Z").plusSeconds(2L * i).toString();
      entry(t, "compute.googleapis.com", i == 7 ? "v1.compute.zones.list" : "v1.compute.instances.list", GCLOUD);
    }
    entry("2026-04-25T09:01:30Z", "compute.googleapis.com", "v1.compute.instances.list", "curl/8"); // no burst UA
    d.driver.advanceWallClockTime(Duration.ofMinutes(2));
    List<SessionFeatures> bursts = d.features.readValuesToList().stream()
        .filter(f -> f.getSubstrate().equals("gcp-gcloud-burst")).toList();
    assertThat(bursts).hasSize(1);
    SessionFeatures b = bursts.get(0);
    assertThat(b.getSessionId()).startsWith("gcpburst-").hasSize(9 + 24);
    assertThat(b.getBurst().getEntryCount()).isEqualTo(40);
    assertThat(b.getBurst().getDominantMethod()).isEqualTo("v1.compute.instances.list");
    assertThat(b.getBurst().getDominantMethodShare()).isEqualTo(39 / 40.0);
    assertThat(b.getBurst().getMethodExamplesList())
        .containsExactly("v1.compute.instances.list", "v1.compute.zones.list");
    assertThat(b.getBurst().getDistinctServices()).isEqualTo(1);
    assertThat(b.getBurst().getScaleFactor()).isEqualTo(0.125);
    assertThat(b.getCadence().getGapScale()).isEqualTo(0.125);
    assertThat(b.getCadence().getGapMaxS()).isEqualTo(0.25);
    assertThat(b.getCadence().getGapP50S()).isCloseTo(0.25, org.assertj.core.data.Percentage.withPercentage(1));
    assertThat(b.getCadence().getEventsPerSec()).isCloseTo(40 / 78.0 * 8, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(b.getCadence().getBytesDropped()).isTrue();
    assertThat(b.getCadence().getTotalBytes()).isZero();
  }

  /** gcloud's user agent as one invocation of a polling loop sends it: a fresh id per process, a front-end suffix. */
  private static String pollingUa(int invocation) {
    return "google-cloud-sdk gcloud/500.0.0 command/gcloud.compute.instances.describe invocation-id/"
        + String.format("%032x", 0x5eed0000L + invocation) + " environment/None environment-version/None "
        + "client-os/LINUX client-os-ver/6.8.0 client-pltf-arch/x86_64 interactive/False from-script/True "
        + "python/3.12.3 term/xterm-256color (Linux 6.8.0)" + (invocation % 3 == 0 ? ",gzip(gfe),gzip(gfe)" : ",gzip(gfe)");
  }

  private List<SessionFeatures> pollForTwelveMinutes() {
    Instant t0 = Instant.parse("2026-04-25T09:00:00Z");
    for (int i = 0; i < 144; i++) {
      entry(t0.plusSeconds(5L * i).toString(), "compute.googleapis.com", "v1.compute.instances.get", pollingUa(i));
    }
    d.driver.advanceWallClockTime(Duration.ofMinutes(2));
    return d.features.readValuesToList().stream().filter(f -> f.getSubstrate().equals("gcp-gcloud-burst")).toList();
  }

  @Test
  void everyInvocationOfOneGcloudClientJoinsOneBurst() throws Exception {
    List<SessionFeatures> bursts = pollForTwelveMinutes();
    assertThat(bursts).hasSize(1);
    SessionFeatures b = bursts.get(0);
    String client = "google-cloud-sdk gcloud/500.0.0 environment/None environment-version/None client-os/LINUX "
        + "client-os-ver/6.8.0 client-pltf-arch/x86_64 python/3.12.3 term/xterm-256color (Linux 6.8.0)";
    assertThat(b.getBurst().getEntryCount()).isEqualTo(144);
    assertThat(b.getBurst().getUserAgent()).isEqualTo(client);
    assertThat(b.getBurst().getGrouping()).isEqualTo("client");
    assertThat(b.getBurst().getSampleUserAgent()).isEqualTo(pollingUa(0));
    assertThat(b.getBurst().getDominantMethodShare()).isEqualTo(1.0);
    // the published rule: sha256(principal|caller ip|grouping user agent|first entry time)
    byte[] h = MessageDigest.getInstance("SHA-256").digest(
        (P + "|10.0.0.1|" + client + "|2026-04-25T09:00:00Z").getBytes(StandardCharsets.UTF_8));
    assertThat(b.getSessionId()).isEqualTo("gcpburst-" + HexFormat.of().formatHex(h).substring(0, 24));
    // the synthetic session lists the client once, not 144 invocations
    List<SessionFeatures> sessions = sessions();
    d.driver.advanceWallClockTime(Duration.ofMinutes(12));
    sessions = new ArrayList<>(sessions);
    sessions.addAll(sessions());
    assertThat(sessions).hasSize(1);
    assertThat(sessions.get(0).getGcp().getUserAgentsList()).containsExactly(client);
  }

  @Test
  void literalGroupingMakesEveryInvocationItsOwnClient() {
    d.close();
    FeaturizerConfig literal = FeaturizerConfig.defaults();
    d = new DriverSupport(new FeaturizerConfig(literal.serdeConfig(), literal.recordingWait(),
        literal.teleportRetention(), literal.punctuateInterval(),
        literal.gcp().withGrouping(UserAgentNormalizer.Grouping.LITERAL)));
    assertThat(pollForTwelveMinutes()).isEmpty();
  }

  @Test
  void shortBurstIsNotScoredAndRepeatedEntriesCountOnce() {
    for (int i = 0; i < 10; i++) {
      entry(Instant.parse("2026-04-25T09:00:00Z").plusSeconds(i).toString(), "s", "m", GCLOUD);
    }
    GcpAuditEntry again = GcpAuditEntry.newBuilder().setInsertId("id-3").setPrincipal(P).setServiceName("s")
        .setMethodName("m").setTimestampMs(Instant.parse("2026-04-25T09:00:03Z").toEpochMilli()).build();
    d.gcp.pipeInput(P, again);
    d.driver.advanceWallClockTime(Duration.ofMinutes(15));
    List<SessionFeatures> out = d.features.readValuesToList();
    assertThat(out).extracting(SessionFeatures::getSubstrate).containsExactly("gcp-cloud-audit");
    assertThat(out.get(0).getGcp().getCallCount()).isEqualTo(10);
  }

  /** Thirty gcloud entries of one burst (enough to be scored), two seconds apart, from entry {@code first} on. */
  private void burstEntries(int first) {
    for (int i = first; i < first + 30; i++) {
      entry(Instant.parse("2026-04-25T09:00:00Z").plusSeconds(2L * i).toString(), "compute.googleapis.com",
          "v1.compute.instances.list", GCLOUD);
    }
  }

  private List<SessionFeatures> bursts() {
    return d.features.readValuesToList().stream()
        .filter(f -> f != null && f.getSubstrate().equals("gcp-gcloud-burst")).toList();
  }

  /**
   * Stops the instance at {@code stoppedAt} by the wall clock and starts another 10 s later, its GCP store restored
   * from the changelog; {@code inputLag} is the new host's view of its consumer's lag (null: none, as under a test
   * driver).
   */
  private void restart(Instant stoppedAt, InputLag inputLag) {
    Map<String, byte[]> states = d.gcpChangelog();
    assertThat(states).containsKey(P);
    d.close();
    d = new DriverSupport(FeaturizerConfig.defaults(), stoppedAt.plusSeconds(10), inputLag);
    d.restoreGcp(states, FeaturizerConfig.defaults().gcp());
  }

  /**
   * A restart with the burst's next entries still in the topic: the restored burst's last entry is long past by the
   * wall clock, and a slow first fetch must not make the new instance close it before reading them.
   */
  @Test
  void aRestartedInstanceCountsWallClockSilenceFromItsFirstRecordNotFromStartUp() {
    burstEntries(0);
    restart(DriverSupport.WALL0, null);
    d.driver.advanceWallClockTime(Duration.ofMinutes(2)); // nothing fetched yet, past gap + grace
    assertThat(bursts()).isEmpty();
    burstEntries(30);
    d.driver.advanceWallClockTime(Duration.ofMinutes(2));
    List<SessionFeatures> bursts = bursts();
    assertThat(bursts).extracting(b -> b.getBurst().getEntryCount()).containsExactly(60L);
    assertThat(bursts.get(0).getStartedMs()).isEqualTo(Instant.parse("2026-04-25T09:00:00Z").toEpochMilli());
  }

  /**
   * Under a host that knows its consumer's lag, wall-clock closing waits until nothing is left to read: not while
   * records wait (an instance behind on a backlog that gets no record for a while) or the lag is unknown (no fetch
   * since the assignment), and after a restart onto an input that has nothing more, it closes without a record.
   */
  @Test
  void wallClockClosingWaitsUntilTheConsumerHasNothingLeftToRead() {
    AtomicReference<OptionalLong> lag = new AtomicReference<>(OptionalLong.of(0));
    InputLag view = (topic, partition) -> {
      assertThat(topic).isEqualTo(Topics.GCP_AUDIT_ENTRIES.name());
      return lag.get();
    };
    d.close();
    d = new DriverSupport(FeaturizerConfig.defaults(), DriverSupport.WALL0, view);
    burstEntries(0);
    lag.set(OptionalLong.of(30)); // a backlog: the consumer's last fetch left records behind
    d.driver.advanceWallClockTime(Duration.ofMinutes(2));
    assertThat(bursts()).isEmpty();
    burstEntries(30);
    lag.set(OptionalLong.empty());
    restart(DriverSupport.WALL0.plus(Duration.ofMinutes(2)), view);
    d.driver.advanceWallClockTime(Duration.ofMinutes(2));
    assertThat(bursts()).isEmpty();
    lag.set(OptionalLong.of(0)); // the first fetch: nothing more
    d.driver.advanceWallClockTime(Duration.ofSeconds(30));
    assertThat(bursts()).extracting(b -> b.getBurst().getEntryCount()).containsExactly(60L);
  }
}
