package dev.whodrove.featurizer;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Featurizer settings (keys documented in the module README).
 *
 * @param serdeConfig client config handed to the protobuf serdes (schema registry settings)
 * @param recordingWait how long after session.end a recording may take before the session is emitted without it
 * @param teleportRetention how long a finished Teleport session is remembered for corrections
 * @param punctuateInterval how often idle sessions, bursts and timers are checked (wall clock and stream time)
 * @param gcp GCP session and burst settings
 * @param bpf which BPF executions are coding-agent CLIs, which addresses model-provider endpoints
 * @param correctionDelay how long after the last late audit event an emitted Teleport session is corrected
 */
public record FeaturizerConfig(Map<String, ?> serdeConfig, Duration recordingWait, Duration teleportRetention,
    Duration punctuateInterval, GcpPrincipalState.Settings gcp, BpfSettings bpf, Duration correctionDelay) {

  /** Prefix of the featurizer's own keys. */
  public static final String PREFIX = "featurizer.";
  public static final String RECORDING_WAIT = "featurizer.recording.wait";
  public static final String TELEPORT_RETENTION = "featurizer.teleport.retention";
  public static final String PUNCTUATE_INTERVAL = "featurizer.punctuate.interval";
  public static final String GCP_IDLE = "featurizer.gcp.idle.threshold";
  public static final String GCP_WALL_GRACE = "featurizer.gcp.wall.grace";
  public static final String GCP_MAX_BUCKETS = "featurizer.gcp.session.max.buckets";
  public static final String GCP_RETENTION = "featurizer.gcp.closed.retention";
  public static final String GCP_KEEP_CLOSED = "featurizer.gcp.closed.keep";
  public static final String BURST_GAP = "featurizer.gcp.burst.gap";
  public static final String BURST_MIN_ENTRIES = "featurizer.gcp.burst.min.entries";
  public static final String BURST_WALL_GRACE = "featurizer.gcp.burst.wall.grace";
  /** Wall-clock silence after which a principal's open session closes; overrides idle threshold + grace. */
  public static final String GCP_WALL_CLOSE_AFTER = "featurizer.gcp.wall.close.after";
  /** Wall-clock silence after which an open burst closes; overrides burst gap + grace. */
  public static final String BURST_WALL_CLOSE_AFTER = "featurizer.gcp.burst.wall.close.after";
  public static final String BURST_UA_REGEX = "featurizer.gcp.burst.user.agent.regex";
  /** What bursts group on: {@code client} (normalized user agent) or {@code literal}. */
  public static final String BURST_GROUPING = "featurizer.gcp.burst.grouping";
  /** A file of more coding-agent CLI entries, in the format of the built-in {@code agent-clis.txt}. */
  public static final String AGENT_CLI_FILE = "featurizer.agent.cli.file";
  /** Model-provider endpoints: CIDR blocks, addresses or host names (resolved once at start), comma-separated. */
  public static final String PROVIDER_ENDPOINTS = "featurizer.agent.provider.endpoints";
  /** Delay of the correction an emitted Teleport session gets when more of its audit events arrive. */
  public static final String CORRECTION_DELAY = "featurizer.audit.correction.delay";

  /** The settings before BPF featurization, with its defaults. */
  public FeaturizerConfig(Map<String, ?> serdeConfig, Duration recordingWait, Duration teleportRetention,
      Duration punctuateInterval, GcpPrincipalState.Settings gcp) {
    this(serdeConfig, recordingWait, teleportRetention, punctuateInterval, gcp, BpfSettings.defaults(),
        Duration.ofSeconds(5));
  }

  /** Defaults everywhere, plain protobuf serdes. */
  public static FeaturizerConfig defaults() {
    return new FeaturizerConfig(Map.of(), Duration.ofMinutes(10), Duration.ofHours(48), Duration.ofSeconds(30),
        GcpPrincipalState.Settings.defaults());
  }

  public static FeaturizerConfig from(ServiceConfig cfg) {
    var s = SyntheticSessionBuilder.Settings.defaults();
    var b = BurstBuilder.Settings.defaults();
    long idleMs = cfg.getDuration(GCP_IDLE, Duration.ofMillis(s.idleMs())).toMillis();
    long wallGraceMs = cfg.getDuration(GCP_WALL_GRACE, Duration.ofMillis(s.wallGraceMs())).toMillis();
    if (cfg.has(GCP_WALL_CLOSE_AFTER)) {
      // a backfill (archive replay) is over long before the idle threshold passes by wall clock
      wallGraceMs = cfg.getDuration(GCP_WALL_CLOSE_AFTER, Duration.ZERO).toMillis() - idleMs;
    }
    long burstGapMs = cfg.getDuration(BURST_GAP, Duration.ofMillis(b.gapMs())).toMillis();
    long burstGraceMs = cfg.getDuration(BURST_WALL_GRACE, Duration.ofMillis(b.wallGraceMs())).toMillis();
    if (cfg.has(BURST_WALL_CLOSE_AFTER)) {
      burstGraceMs = cfg.getDuration(BURST_WALL_CLOSE_AFTER, Duration.ZERO).toMillis() - burstGapMs;
    }
    var sessions = new SyntheticSessionBuilder.Settings(
        idleMs,
        wallGraceMs,
        cfg.getInt(GCP_MAX_BUCKETS, s.maxBuckets()),
        cfg.getDuration(GCP_RETENTION, Duration.ofMillis(s.retentionMs())).toMillis(),
        cfg.getInt(GCP_KEEP_CLOSED, s.keepClosed()));
    var bursts = new BurstBuilder.Settings(burstGapMs, cfg.getInt(BURST_MIN_ENTRIES, b.minEntries()), burstGraceMs);
    String regex = cfg.get(BURST_UA_REGEX, "google-cloud-sdk|gcloud");
    Pattern ua = regex.isEmpty() ? null : Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
    String groupingValue = cfg.get(BURST_GROUPING, UserAgentNormalizer.Grouping.CLIENT.configValue());
    UserAgentNormalizer.Grouping grouping;
    try {
      grouping = UserAgentNormalizer.Grouping.parse(groupingValue);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("invalid config " + BURST_GROUPING + "=" + groupingValue + " ("
          + ServiceConfig.keyToEnv(BURST_GROUPING) + "): expected client or literal");
    }
    FeaturizerConfig d = defaults();
    return new FeaturizerConfig(cfg.serdeProperties(),
        cfg.getDuration(RECORDING_WAIT, d.recordingWait()),
        cfg.getDuration(TELEPORT_RETENTION, d.teleportRetention()),
        cfg.getDuration(PUNCTUATE_INTERVAL, d.punctuateInterval()),
        new GcpPrincipalState.Settings(sessions, bursts, ua, grouping),
        new BpfSettings(agentClis(cfg), providers(cfg)),
        cfg.getDuration(CORRECTION_DELAY, d.correctionDelay()));
  }

  private static AgentCliCatalogue agentClis(ServiceConfig cfg) {
    String file = cfg.get(AGENT_CLI_FILE, "");
    if (file.isEmpty()) {
      return AgentCliCatalogue.defaults();
    }
    try {
      return AgentCliCatalogue.withFile(Path.of(file));
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("invalid config " + AGENT_CLI_FILE + "=" + file + " ("
          + ServiceConfig.keyToEnv(AGENT_CLI_FILE) + "): " + e.getMessage());
    }
  }

  private static ProviderEndpoints providers(ServiceConfig cfg) {
    if (!cfg.has(PROVIDER_ENDPOINTS)) {
      return ProviderEndpoints.defaults();
    }
    String value = cfg.get(PROVIDER_ENDPOINTS, "");
    List<String> entries = Arrays.stream(value.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
    try {
      return ProviderEndpoints.parse(entries, ProviderEndpoints::resolve);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("invalid config " + PROVIDER_ENDPOINTS + "=" + value + " ("
          + ServiceConfig.keyToEnv(PROVIDER_ENDPOINTS) + "): " + e.getMessage());
    }
  }

  public FeaturizerConfig withSerdeConfig(Map<String, ?> serde) {
    return new FeaturizerConfig(serde, recordingWait, teleportRetention, punctuateInterval, gcp, bpf,
        correctionDelay);
  }
}
