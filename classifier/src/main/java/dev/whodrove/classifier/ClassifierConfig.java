package dev.whodrove.classifier;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.StreamsService;
import java.util.Map;

/**
 * Everything the classifier topology depends on. {@link #from} reads the {@code classifier.*} keys and the shared
 * {@code application.id} documented in classifier/README.md.
 *
 * @param version classifier version, part of set_by ({@code phase1-classifier@<version>}) and of the application id
 * @param cadence the cadence table in use
 * @param escalation escalation policy
 * @param serdeConfig client config handed to the protobuf serdes (schema registry settings)
 * @param applicationId Streams application id (consumer group); a new version means a new id and a full replay
 */
public record ClassifierConfig(String version, CadenceTable cadence, EscalationPolicy escalation,
    Map<String, ?> serdeConfig, String applicationId) {
  public static final String VERSION = "v1";
  public static final String DEFAULT_APPLICATION_ID = "whodrove-classifier-" + VERSION;

  /** Prefix of the classifier's own keys. */
  public static final String PREFIX = "classifier.";
  public static final String CADENCE_TABLE = "classifier.cadence.table";
  public static final String CADENCE_THRESHOLD = "classifier.cadence.threshold";
  public static final String ESCALATE_AGENT_PTY_SSH = "classifier.escalate.agent.pty.ssh";
  public static final String ESCALATE_AMBIGUOUS = "classifier.escalate.ambiguous";
  public static final String ESCALATE_HANDOFF = "classifier.escalate.handoff";
  public static final String PTY_CONTENT_ALLOWED = "classifier.escalate.pty.content.allowed";
  public static final String ESCALATE_GCP_PRIVILEGED = "classifier.escalate.gcp.privileged";
  public static final String ESCALATE_GCP_AMBIGUOUS = "classifier.escalate.gcp.ambiguous";
  public static final String ESCALATE_LOW_CONFIDENCE = "classifier.escalate.low.confidence";
  /** The shared Streams application id key ({@link StreamsService#APPLICATION_ID}), defaulting to this version's id. */
  public static final String APPLICATION_ID = StreamsService.APPLICATION_ID;

  /** Spellings accepted for one release: the application id had a key of its own. */
  public static final Map<String, String> RENAMED_KEYS = Map.of("classifier.application.id", APPLICATION_ID);

  /** Keys of the JSON mirrors the classifier wrote before siem-export did, and the siem-export keys now in charge. */
  public static final Map<String, String> MOVED_KEYS = Map.of(
      "classifier.json.mirror.enabled", "siem.json.enabled", "classifier.ocsf.enabled", "siem.ocsf.enabled");

  public ClassifierConfig {
    serdeConfig = Map.copyOf(serdeConfig);
  }

  /** Defaults: cadence@v1, every escalation on, plain protobuf serdes. */
  public static ClassifierConfig defaults() {
    return new ClassifierConfig(VERSION, CadenceProfiles.V1, EscalationPolicy.defaults(), Map.of(),
        DEFAULT_APPLICATION_ID);
  }

  public static ClassifierConfig from(ServiceConfig cfg) {
    String tableName = cfg.get(CADENCE_TABLE, CadenceProfiles.DEFAULT);
    CadenceTable table;
    try {
      table = CadenceProfiles.resolve(tableName);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("invalid config " + CADENCE_TABLE + "=" + tableName + " ("
          + ServiceConfig.keyToEnv(CADENCE_TABLE) + "): " + e.getMessage());
    }
    double threshold = cfg.getDouble(CADENCE_THRESHOLD, table.threshold());
    if (!(threshold > 0 && threshold <= 1)) {
      throw new ConfigException("invalid config " + CADENCE_THRESHOLD + "=" + threshold + " ("
          + ServiceConfig.keyToEnv(CADENCE_THRESHOLD) + "): expected a number in (0, 1]");
    }
    EscalationPolicy policy = new EscalationPolicy(
        cfg.getBoolean(ESCALATE_AGENT_PTY_SSH, true),
        cfg.getBoolean(ESCALATE_AMBIGUOUS, true),
        cfg.getBoolean(ESCALATE_HANDOFF, true),
        cfg.getBoolean(PTY_CONTENT_ALLOWED, false),
        cfg.getBoolean(ESCALATE_GCP_PRIVILEGED, true),
        cfg.getBoolean(ESCALATE_GCP_AMBIGUOUS, true),
        lowConfidence(cfg));
    return new ClassifierConfig(VERSION, table.withThreshold(threshold), policy, cfg.serdeProperties(),
        cfg.get(APPLICATION_ID, DEFAULT_APPLICATION_ID));
  }

  private static double lowConfidence(ServiceConfig cfg) {
    double v = cfg.getDouble(ESCALATE_LOW_CONFIDENCE, EscalationPolicy.LOW_CONFIDENCE_DEFAULT);
    if (!(v >= 0 && v <= 1)) {
      throw new ConfigException("invalid config " + ESCALATE_LOW_CONFIDENCE + "=" + v + " ("
          + ServiceConfig.keyToEnv(ESCALATE_LOW_CONFIDENCE) + "): expected a number in [0, 1] (0 = off)");
    }
    return v;
  }

  /** {@code phase1-classifier@<version>}: set_by of phase-1 labels and the verdict's stage. */
  public String phase1Stage() {
    return "phase1-classifier@" + version;
  }

  public ClassifierConfig withCadence(CadenceTable table) {
    return new ClassifierConfig(version, table, escalation, serdeConfig, applicationId);
  }

  public ClassifierConfig withEscalation(EscalationPolicy policy) {
    return new ClassifierConfig(version, cadence, policy, serdeConfig, applicationId);
  }
}
