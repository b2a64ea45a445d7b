package dev.whodrove.correlator;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.StreamsService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Everything the correlator depends on. {@link #from} reads the {@code correlator.*} keys and the shared
 * {@code application.id} documented in correlator/README.md.
 *
 * @param version correlator version, part of set_by ({@code cadence-correlator@<version>}) and of the application id
 * @param tolerance slack on both edges of the intervals when deciding whether they overlap
 * @param retention how long a session is remembered after it ended, in event time behind the newest session end the
 *     task has seen: the longest a peer may arrive late and still be paired
 * @param maxSessionsPerIdentity sessions remembered per identity; the ones that ended first go beyond it
 * @param expiryInterval how often (wall clock) expired sessions are dropped from the store
 * @param inputStage the classifier stage whose verdicts are read ({@code phase1-classifier@v1}); other stamps
 *     (phase 2, manual, the correlator's own, a replayed classifier version) are ignored
 * @param bridge the identity bridge
 * @param serdeConfig client config handed to the protobuf serdes (schema registry settings)
 * @param applicationId Streams application id (consumer group, state store and internal topic names)
 */
public record CorrelatorConfig(String version, Duration tolerance, Duration retention, int maxSessionsPerIdentity,
    Duration expiryInterval, String inputStage, IdentityBridge bridge, Map<String, ?> serdeConfig,
    String applicationId) {
  public static final String VERSION = "v1";
  public static final String DEFAULT_APPLICATION_ID = "whodrove-correlator-" + VERSION;
  public static final Duration DEFAULT_TOLERANCE = Duration.ofSeconds(60);
  public static final Duration DEFAULT_RETENTION = Duration.ofHours(48);
  public static final int DEFAULT_MAX_SESSIONS = 256;
  public static final Duration DEFAULT_EXPIRY_INTERVAL = Duration.ofMinutes(1);
  public static final String DEFAULT_INPUT_STAGE = "phase1-classifier@v1";

  /** Prefix of the correlator's own keys. */
  public static final String PREFIX = "correlator.";
  public static final String TOLERANCE = "correlator.tolerance";
  public static final String RETENTION = "correlator.retention";
  public static final String MAX_SESSIONS = "correlator.max.sessions.per.identity";
  public static final String EXPIRY_INTERVAL = "correlator.expiry.interval";
  public static final String INPUT_STAGE = "correlator.input.stage";
  public static final String IDENTITY_MAP_FILE = "correlator.identity.map.file";
  public static final String IDENTITY_RULES = "correlator.identity.rules";
  /** The shared Streams application id key, defaulting to this version's id. */
  public static final String APPLICATION_ID = StreamsService.APPLICATION_ID;

  public CorrelatorConfig {
    serdeConfig = Map.copyOf(serdeConfig);
  }

  /** Defaults: 60 s tolerance, 48 h retention, 256 sessions per identity, no identity rules, plain protobuf. */
  public static CorrelatorConfig defaults() {
    return new CorrelatorConfig(VERSION, DEFAULT_TOLERANCE, DEFAULT_RETENTION, DEFAULT_MAX_SESSIONS,
        DEFAULT_EXPIRY_INTERVAL, DEFAULT_INPUT_STAGE, IdentityBridge.DEFAULT, Map.of(), DEFAULT_APPLICATION_ID);
  }

  public static CorrelatorConfig from(ServiceConfig cfg) {
    Duration tolerance = cfg.getDuration(TOLERANCE, DEFAULT_TOLERANCE);
    if (tolerance.isNegative()) {
      throw invalid(TOLERANCE, tolerance.toString(), "a duration of 0 or more");
    }
    Duration retention = cfg.getDuration(RETENTION, DEFAULT_RETENTION);
    if (retention.compareTo(Duration.ofMinutes(1)) < 0) {
      throw invalid(RETENTION, retention.toString(), "a duration of at least 1m");
    }
    int max = cfg.getInt(MAX_SESSIONS, DEFAULT_MAX_SESSIONS);
    if (max < 2) {
      throw invalid(MAX_SESSIONS, Integer.toString(max), "an integer of at least 2");
    }
    Duration expiry = cfg.getDuration(EXPIRY_INTERVAL, DEFAULT_EXPIRY_INTERVAL);
    if (expiry.toMillis() < 100) {
      throw invalid(EXPIRY_INTERVAL, expiry.toString(), "a duration of at least 100ms");
    }
    IdentityBridge bridge;
    String file = cfg.get(IDENTITY_MAP_FILE, null);
    List<String> inline = Arrays.stream(cfg.get(IDENTITY_RULES, "").split(";")).filter(s -> !s.isBlank()).toList();
    try {
      bridge = IdentityBridge.load(file == null ? null : Path.of(file), inline);
    } catch (IllegalArgumentException e) { // InvalidPathException included
      throw new ConfigException("invalid identity rules (" + IDENTITY_MAP_FILE + " / " + IDENTITY_RULES + "): "
          + e.getMessage());
    }
    return new CorrelatorConfig(VERSION, tolerance, retention, max, expiry,
        cfg.get(INPUT_STAGE, DEFAULT_INPUT_STAGE), bridge, cfg.serdeProperties(),
        cfg.get(APPLICATION_ID, DEFAULT_APPLICATION_ID));
  }

  private static ConfigException invalid(String key, String value, String expected) {
    return new ConfigException("invalid config " + key + "=" + value + " (" + ServiceConfig.keyToEnv(key)
        + "): expected " + expected);
  }

  /** {@code cadence-correlator@<version>}: set_by of the correlator's labels and its verdicts' stage. */
  public String stage() {
    return "cadence-correlator@" + version;
  }

  /** Name of the repartition topic Streams creates for the identity re-keying. */
  public String repartitionTopic() {
    return applicationId + "-" + CorrelatorTopology.BY_IDENTITY + "-repartition";
  }

  public CorrelatorConfig withTolerance(Duration d) {
    return new CorrelatorConfig(version, d, retention, maxSessionsPerIdentity, expiryInterval, inputStage, bridge,
        serdeConfig, applicationId);
  }

  public CorrelatorConfig withRetention(Duration d) {
    return new CorrelatorConfig(version, tolerance, d, maxSessionsPerIdentity, expiryInterval, inputStage, bridge,
        serdeConfig, applicationId);
  }

  public CorrelatorConfig withBridge(IdentityBridge b) {
    return new CorrelatorConfig(version, tolerance, retention, maxSessionsPerIdentity, expiryInterval, inputStage, b,
        serdeConfig, applicationId);
  }

  public CorrelatorConfig withMaxSessionsPerIdentity(int n) {
    return new CorrelatorConfig(version, tolerance, retention, n, expiryInterval, inputStage, bridge, serdeConfig,
        applicationId);
  }
}
