package dev.whodrove.sink;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;

/** The sink's settings (documented in the module README, the one place the keys are listed). */
public record SinkConfig(
    Path dbPath,
    String topic,
    String groupId,
    int batchSize,
    Duration batchMaxWait,
    Duration busyTimeout,
    String synchronous,
    Duration retryBackoffInitial,
    Duration retryBackoffMax) {

  /** Prefix of the sink's own keys. */
  public static final String PREFIX = "sink.";
  public static final String DB_PATH = "sink.db.path";
  public static final String TOPIC = "sink.topic";
  public static final String GROUP_ID = "sink.group.id";
  public static final String BATCH_SIZE = "sink.batch.size";
  public static final String BATCH_MAX_WAIT = "sink.batch.max.wait";
  public static final String BUSY_TIMEOUT = "sink.db.busy.timeout";
  public static final String SYNCHRONOUS = "sink.db.synchronous";
  public static final String RETRY_BACKOFF_INITIAL = "sink.retry.backoff.initial";
  public static final String RETRY_BACKOFF_MAX = "sink.retry.backoff.max";

  public static SinkConfig from(ServiceConfig cfg) {
    int batchSize = cfg.getInt(BATCH_SIZE, 500);
    if (batchSize < 1) {
      throw new ConfigException("invalid config " + BATCH_SIZE + "=" + batchSize + " ("
          + ServiceConfig.keyToEnv(BATCH_SIZE) + "): expected at least 1");
    }
    String sync = cfg.get(SYNCHRONOUS, "FULL").toUpperCase(java.util.Locale.ROOT);
    if (!java.util.Set.of("OFF", "NORMAL", "FULL", "EXTRA").contains(sync)) {
      throw new ConfigException("invalid config " + SYNCHRONOUS + "=" + sync + " ("
          + ServiceConfig.keyToEnv(SYNCHRONOUS) + "): expected OFF, NORMAL, FULL or EXTRA");
    }
    return new SinkConfig(
        Path.of(cfg.get(DB_PATH, "sessions.sqlite")),
        cfg.get(TOPIC, Topics.SESSION_LABELS.name()),
        cfg.get(GROUP_ID, "sqlite-sink"),
        batchSize,
        cfg.getDuration(BATCH_MAX_WAIT, Duration.ofMillis(250)),
        cfg.getDuration(BUSY_TIMEOUT, Duration.ofSeconds(5)),
        sync,
        cfg.getDuration(RETRY_BACKOFF_INITIAL, Duration.ofMillis(100)),
        cfg.getDuration(RETRY_BACKOFF_MAX, Duration.ofSeconds(10)));
  }

  SessionDatabase.Options storeOptions() {
    return new SessionDatabase.Options(busyTimeout, synchronous, false);
  }
}
