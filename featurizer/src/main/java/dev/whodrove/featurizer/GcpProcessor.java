package dev.whodrove.featurizer;

import dev.whodrove.runtime.InputLag;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.SessionFeatures;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GCP synthetic sessions and gcloud bursts per principal (the input topic is keyed by principal, so one task sees all
 * of a principal's entries). Sessions and bursts close when stream time moves past them and, for idle partitions,
 * by wall clock (see {@link #inputQuiet}). When a late entry merges an emitted session into another, the absorbed
 * session's key gets a tombstone on {@code session.features}: the topic is compacted, and a replay must not find the
 * absorbed session.
 */
final class GcpProcessor implements Processor<String, GcpAuditEntry, String, SessionFeatures> {
  static final String STORE = "gcp-principals";
  private static final Logger log = LoggerFactory.getLogger(GcpProcessor.class);

  private final FeaturizerConfig config;
  private ProcessorContext<String, SessionFeatures> context;
  private ObjectStateStore<GcpPrincipalState> store;

  /** Wall time the last input record was processed (start-up until one is); wall-clock closing waits after it. */
  private long lastInputWallMs;
  /** Whether this instance has processed a record: restored state says nothing about what waits in the topic. */
  private boolean inputSinceStart;
  /** The host's view of the input partition's unconsumed records; null under a test driver. */
  private InputLag inputLag;
  private int partition;
  /**
   * Event time: the newest entry timestamp this task has seen. Kafka record timestamps are ingest times, which say
   * nothing about the gaps between audit entries (a backfill ingests weeks of entries in seconds).
   */
  private long maxEntryTimeMs;

  GcpProcessor(FeaturizerConfig config) {
    this.config = config;
  }

  @Override
  public void init(ProcessorContext<String, SessionFeatures> context) {
    this.context = context;
    this.store = context.getStateStore(STORE);
    this.lastInputWallMs = context.currentSystemTimeMs();
    this.inputLag = InputLag.from(context.appConfigs());
    this.partition = context.taskId().partition(); // the task's one partition of the entries topic
    context.schedule(config.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME,
        now -> sweep(maxEntryTimeMs, now, now));
    context.schedule(config.punctuateInterval(), PunctuationType.STREAM_TIME,
        streamTime -> sweep(maxEntryTimeMs, context.currentSystemTimeMs(), streamTime));
  }

  @Override
  public void process(Record<String, GcpAuditEntry> record) {
    GcpAuditEntry e = record.value();
    if (e == null) {
      throw new IllegalArgumentException("record without a value (key " + record.key() + ")");
    }
    String principal = e.getPrincipal().isEmpty() ? record.key() : e.getPrincipal();
    if (principal == null || principal.isEmpty()) {
      throw new IllegalArgumentException("audit entry " + e.getInsertId() + " has no principal");
    }
    if (e.getTimestampMs() <= 0) {
      throw new IllegalArgumentException("audit entry " + e.getInsertId() + " has no timestamp");
    }
    if (e.getPrincipal().isEmpty()) {
      e = e.toBuilder().setPrincipal(principal).build();
    }
    long now = context.currentSystemTimeMs();
    lastInputWallMs = now;
    inputSinceStart = true;
    maxEntryTimeMs = Math.max(maxEntryTimeMs, e.getTimestampMs());
    GcpPrincipalState state = load(principal);
    forward(state.add(e, now), record.timestamp());
    for (String absorbed : state.takeAbsorbedSessionIds()) {
      context.forward(new Record<>(absorbed, (SessionFeatures) null, Math.max(0, record.timestamp())));
    }
    store.put(principal, state);
  }

  private GcpPrincipalState load(String principal) {
    GcpPrincipalState state = store.get(principal);
    return state != null ? state : new GcpPrincipalState(principal, config.gcp());
  }

  /** State encoding for the store; unreadable bytes (an older, unknown version) start the principal over. */
  static ObjectStateStore.Codec<GcpPrincipalState> codec(GcpPrincipalState.Settings settings) {
    return new ObjectStateStore.Codec<>() {
      @Override
      public byte[] encode(GcpPrincipalState state) {
        return state.toBytes();
      }

      @Override
      public GcpPrincipalState decode(String principal, byte[] bytes) {
        try {
          return GcpPrincipalState.fromBytes(principal, bytes, settings);
        } catch (RuntimeException ex) {
          log.warn("principal state unreadable ({}), starting over", ex.getMessage());
          return new GcpPrincipalState(principal, settings);
        }
      }
    };
  }

  private void forward(List<SessionFeatures> features, long timestamp) {
    for (SessionFeatures f : features) {
      context.forward(new Record<>(f.getSessionId(), f, Math.max(0, timestamp)));
    }
  }

  /** Closes what is idle: by stream time always, by wall clock only while the input is quiet. */
  private void sweep(long streamTimeMs, long wallNow, long outputTimestamp) {
    long wallNowMs = inputQuiet(wallNow) ? wallNow : Long.MIN_VALUE / 4;
    List<String> due = store.keysWhere(state -> state.dueAt(streamTimeMs, wallNowMs),
        bytes -> GcpPrincipalState.dueAt(bytes, streamTimeMs, wallNowMs));
    for (String principal : due) {
      GcpPrincipalState state = load(principal);
      forward(state.closeIdle(streamTimeMs, wallNowMs), outputTimestamp);
      if (state.isEmpty()) {
        store.delete(principal);
      } else {
        store.put(principal, state);
      }
    }
  }

  /**
   * Whether wall-clock closing may act: no record for the shorter close interval, and nothing left to read in the
   * input partition. Silence alone is not enough: a restarted instance whose first fetch is slow, or one behind on a
   * backlog and slowed down, sees no record while the next entries of its open bursts and sessions wait in the topic,
   * and closing then would split them differently from an undisturbed run. The host's consumer lag, as of its latest
   * fetch, says whether records wait (unknown, before the first fetch after an assignment, counts as waiting); without
   * one (a test driver hands over every record at once) a record processed since start-up stands in for it, so a
   * restart counts the silence from its first record.
   */
  private boolean inputQuiet(long wallNow) {
    var sessions = config.gcp().sessions();
    var bursts = config.gcp().bursts();
    long quietMs = Math.min(sessions.idleMs() + sessions.wallGraceMs(), bursts.gapMs() + bursts.wallGraceMs());
    if (wallNow - lastInputWallMs <= quietMs) {
      return false;
    }
    if (inputLag == null) {
      return inputSinceStart;
    }
    OptionalLong lag = inputLag.of(Topics.GCP_AUDIT_ENTRIES.name(), partition);
    return lag.isPresent() && lag.getAsLong() == 0;
  }
}
