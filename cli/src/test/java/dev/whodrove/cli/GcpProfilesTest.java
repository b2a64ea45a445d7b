package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.classifier.ClassifierConfig;
import dev.whodrove.classifier.ClassifierTopology;
import dev.whodrove.featurizer.FeaturizerConfig;
import dev.whodrove.featurizer.FeaturizerTopology;
import dev.whodrove.ingest.gcp.AuditLogParser;
import dev.whodrove.ingest.gcp.ParseOutcome;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.StreamsService;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.sim.GcpSimulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every simulated GCP profile through the real parser, the featurizer topology and the classifier topology (both on
 * {@link TopologyTestDriver}): the verdicts each kind of driver must get, and the simulator's realistic gcloud user
 * agents.
 */
class GcpProfilesTest {
  static final int PER_PROFILE = Integer.getInteger("gcp.profiles.per", 6);
  static final long SEED = Long.getLong("gcp.profiles.seed", 11);
  private static final Instant WALL0 = Instant.parse("2026-11-03T00:00:00Z");

  /** One verdict with its principal's profile. */
  record Verdict(String profile, String substrate, Map<String, String> labels) {
    String operator() {
      return labels.get("operator.type");
    }
  }

  private static final Map<String, GcpSimulator.Activity> byPrincipal = new LinkedHashMap<>();
  private static final List<Verdict> verdicts = new ArrayList<>();

  @BeforeAll
  static void runAllProfiles() throws Exception {
    GcpSimulator sim = new GcpSimulator(SEED, Instant.parse("2026-11-02T09:00:00Z").toEpochMilli());
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < PER_PROFILE; i++) {
      for (String profile : GcpSimulator.PROFILES) {
        GcpSimulator.Activity a = sim.next(profile);
        byPrincipal.put(a.principal(), a);
        lines.addAll(a.jsonLines());
      }
    }
    verdicts.addAll(classify(featurize(parse(lines))).stream()
        .map(v -> new Verdict(byPrincipal.get(v.getFeatures().getUser()).profile(), v.getSubstrate(),
            v.getLabelsList().stream().collect(Collectors.toMap(Label::getKey, Label::getValue))))
        .toList());
  }

  static List<GcpAuditEntry> parse(List<String> lines) {
    AuditLogParser parser = new AuditLogParser(AuditLogParser.DEFAULT_MAX_ENTRY_BYTES,
        () -> WALL0.plus(Duration.ofDays(1)).toEpochMilli());
    List<GcpAuditEntry> entries = new ArrayList<>();
    for (String line : lines) {
      ParseOutcome o = parser.parse(line.getBytes(StandardCharsets.UTF_8));
      assertThat(o).as(line).isInstanceOf(ParseOutcome.Accepted.class);
      entries.add(((ParseOutcome.Accepted) o).entry());
    }
    entries.sort(Comparator.comparingLong(GcpAuditEntry::getTimestampMs));
    return entries;
  }

  static Properties props(String app) throws Exception {
    Properties p = StreamsService.streamsProperties(
        ServiceConfig.of(Map.of("kafka.bootstrap.servers", "localhost:1")), app, app + "-test");
    p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory(app).toString());
    return p;
  }

  static List<SessionFeatures> featurize(List<GcpAuditEntry> entries) throws Exception {
    try (TopologyTestDriver d = new TopologyTestDriver(FeaturizerTopology.build(FeaturizerConfig.defaults()),
        props("featurizer"), WALL0)) {
      TestInputTopic<String, GcpAuditEntry> in = d.createInputTopic(Topics.GCP_AUDIT_ENTRIES.name(),
          new StringSerializer(), Topics.GCP_AUDIT_ENTRIES.valueSerde(Map.of()).serializer());
      TestOutputTopic<String, SessionFeatures> out = d.createOutputTopic(Topics.SESSION_FEATURES.name(),
          new StringDeserializer(), Topics.SESSION_FEATURES.valueSerde(Map.of()).deserializer());
      for (GcpAuditEntry e : entries) {
        in.pipeInput(e.getPrincipal(), e, e.getTimestampMs());
      }
      d.advanceWallClockTime(Duration.ofMinutes(12)); // input quiet: open sessions and bursts close by wall clock
      d.advanceWallClockTime(Duration.ofMinutes(1));
      // the compacted topic as a replay sees it: newest record per session
      Map<String, SessionFeatures> latest = new LinkedHashMap<>();
      out.readKeyValuesToList().forEach(kv -> {
        if (kv.value == null) {
          latest.remove(kv.key);
        } else {
          latest.put(kv.key, kv.value);
        }
      });
      return new ArrayList<>(latest.values());
    }
  }

  static List<SessionVerdict> classify(List<SessionFeatures> features) throws Exception {
    ClassifierConfig cfg = ClassifierConfig.defaults();
    try (TopologyTestDriver d = new TopologyTestDriver(ClassifierTopology.build(cfg), props("classifier"))) {
      TestInputTopic<String, SessionFeatures> in = d.createInputTopic(Topics.SESSION_FEATURES.name(),
          new StringSerializer(), Topics.SESSION_FEATURES.valueSerde().serializer());
      TestOutputTopic<String, SessionVerdict> out = d.createOutputTopic(Topics.SESSION_LABELS.name(),
          new StringDeserializer(), Topics.SESSION_LABELS.valueSerde().deserializer());
      features.forEach(f -> in.pipeInput(f.getSessionId(), f));
      return out.readValuesToList();
    }
  }

  static List<String> profiles() {
    return GcpSimulator.PROFILES;
  }

  private static List<Verdict> of(String profile, String substrate) {
    return verdicts.stream().filter(v -> v.profile().equals(profile) && v.substrate().equals(substrate)).toList();
  }

  /** Every principal's synthetic sessions get the profile's expected operator, and an unknown its expected reason. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("profiles")
  void syntheticSessionsGetTheExpectedVerdict(String profile) {
    List<Verdict> sessions = of(profile, "gcp-cloud-audit");
    GcpSimulator.Activity truth = byPrincipal.values().stream().filter(a -> a.profile().equals(profile)).findFirst()
        .orElseThrow();
    assertThat(sessions).as(profile).hasSizeGreaterThanOrEqualTo(PER_PROFILE);
    assertThat(sessions).as(profile).allSatisfy(v -> {
      assertThat(v.operator()).as(v.labels().toString()).isEqualTo(truth.expectedOperator());
      if (!truth.expectedReason().isEmpty()) {
        assertThat(v.labels()).containsEntry("operator.reason", truth.expectedReason());
      }
    });
  }

  @Test
  void aPollingLoopFormsABurstLabelledPolling() {
    List<Verdict> bursts = of("polling-script", "gcp-gcloud-burst");
    assertThat(bursts).hasSizeGreaterThanOrEqualTo(PER_PROFILE).allSatisfy(v -> {
      assertThat(v.labels()).containsEntry("cadence.label", "polling").containsEntry("operator.reason", "polling");
      assertThat(v.operator()).isEqualTo("unknown");
    });
  }

  @Test
  void anAgentDrivingGcloudThroughItsShellFormsAnAgentBurst() {
    for (String profile : List.of("agent-shell-gcloud", "agent-gcloud")) {
      List<Verdict> bursts = of(profile, "gcp-gcloud-burst");
      assertThat(bursts).as(profile).hasSizeGreaterThanOrEqualTo(PER_PROFILE)
          .allSatisfy(v -> assertThat(v.operator()).as(v.labels().toString()).isEqualTo("agent"));
    }
    assertThat(of("agent-shell-gcloud", "gcp-gcloud-burst"))
        .allSatisfy(v -> assertThat(v.labels()).containsEntry("operator.evidence", "no-tty.tool-loop")
            .containsEntry("gcp.ua.tool", "gcloud"));
  }

  @Test
  void peopleScriptsTerraformAndTheConsoleAreNeverAgents() {
    for (String profile : List.of("human-gcloud", "ci-script", "terraform-apply", "polling-script", "console-user",
        "sa-impersonation")) {
      assertThat(verdicts).filteredOn(v -> v.profile().equals(profile)).as(profile).isNotEmpty()
          .allSatisfy(v -> assertThat(v.operator()).as(profile + " " + v.labels()).isNotEqualTo("agent"));
    }
  }

  @Test
  void everyUnknownSaysWhy() {
    assertThat(verdicts).filteredOn(v -> v.operator().equals("unknown"))
        .allSatisfy(v -> assertThat(v.labels()).as(v.profile()).containsKey("operator.reason"));
    assertThat(verdicts).allSatisfy(v -> assertThat(v.labels()).containsKey("operator.evidence"));
  }

  /** Synthetic sessions keep the published id rule whatever the user agents. */
  @Test
  void sessionAndBurstIdsFollowTheirRules() {
    assertThat(verdicts).allSatisfy(v -> assertThat(v.labels()).isNotNull());
    Set<String> ids = new HashSet<>();
    for (SessionVerdict v : classifyAgain()) {
      assertThat(v.getSessionId()).matches(v.getSubstrate().equals("gcp-cloud-audit") ? "gcp-[0-9a-f]{24}"
          : "gcpburst-[0-9a-f]{24}");
      assertThat(ids.add(v.getSessionId())).isTrue();
    }
  }

  private static List<SessionVerdict> classifyAgain() {
    try {
      List<String> lines = new ArrayList<>();
      byPrincipal.values().forEach(a -> lines.addAll(a.jsonLines()));
      return classify(featurize(parse(lines)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static final Pattern GCLOUD_UA = Pattern.compile("google-cloud-sdk gcloud/\\d+\\.\\d+\\.\\d+ "
      + "command/gcloud\\.[a-z-]+(\\.[a-z-]+)+ invocation-id/([0-9a-f]{32}) environment/\\S+ environment-version/None "
      + "client-os/(LINUX|MACOSX) client-os-ver/\\S+ client-pltf-arch/x86_64 interactive/(True|False) "
      + "from-script/(True|False) python/\\S+ term/\\S+ \\([^)]+\\)(,gzip\\(gfe\\)){1,2}");

  /** gcloud entries look like real ones: layout, a fresh invocation id per invocation, flags per profile. */
  @Test
  void gcloudUserAgentsAreRealistic() {
    Map<String, Set<String>> flagsByProfile = new TreeMap<>();
    Map<String, String> profileOfInvocation = new HashMap<>();
    for (GcpSimulator.Activity a : byPrincipal.values()) {
      for (String line : a.jsonLines()) {
        String ua = line.replaceAll(".*\"callerSuppliedUserAgent\":\"([^\"]*)\".*", "$1");
        if (!ua.contains("gcloud/")) {
          continue;
        }
        Matcher m = GCLOUD_UA.matcher(ua);
        assertThat(m.matches()).as(ua).isTrue();
        String previous = profileOfInvocation.putIfAbsent(m.group(2), a.principal());
        assertThat(previous == null || previous.equals(a.principal())).as("invocation ids are per invocation").isTrue();
        flagsByProfile.computeIfAbsent(a.profile(), k -> new HashSet<>())
            .add("interactive/" + m.group(4) + " from-script/" + m.group(5));
      }
    }
    assertThat(flagsByProfile).containsEntry("human-gcloud", Set.of("interactive/True from-script/False"))
        .containsEntry("agent-shell-gcloud", Set.of("interactive/False from-script/False"))
        .containsEntry("polling-script", Set.of("interactive/False from-script/True"))
        .containsEntry("ci-script", Set.of("interactive/False from-script/True"));
    // many invocations, each with its own id
    assertThat(profileOfInvocation).hasSizeGreaterThan(PER_PROFILE * 100);
  }

  @Test
  void theSameSeedGivesTheSameEntries() {
    for (String profile : GcpSimulator.PROFILES) {
      GcpSimulator.Activity a = new GcpSimulator(7, 0).next(profile);
      GcpSimulator.Activity b = new GcpSimulator(7, 0).next(profile);
      GcpSimulator.Activity c = new GcpSimulator(8, 0).next(profile);
      assertThat(a).as(profile).isEqualTo(b);
      assertThat(a.jsonLines()).as(profile).isNotEqualTo(c.jsonLines());
    }
  }

  /** Verdict counts per profile and substrate (operator.type/operator.reason), printed for docs/classifier.md. */
  @Test
  void summary() {
    Map<String, Map<String, Integer>> table = new TreeMap<>();
    for (Verdict v : verdicts) {
      String key = v.operator() + (v.labels().containsKey("operator.reason") ? "/" + v.labels().get("operator.reason")
          : "");
      table.computeIfAbsent(v.profile() + " (" + v.substrate() + ")", k -> new TreeMap<>()).merge(key, 1,
          Integer::sum);
    }
    table.forEach((k, v) -> System.out.printf("%-45s %s%n", k, v));
    assertThat(table.keySet()).anyMatch(k -> k.startsWith("console-user"));
  }
}
