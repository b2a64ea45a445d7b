package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.SessionFeatures;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GCP synthetic sessions and gcloud bursts per principal (the input topic is keyed by principal, so one task sees all
 * of a principal's entries). Sessions and bursts close when stream time moves past them and, for idle partitions,
 * by wall clock.
 */
final class GcpProcessor implements Processor<String, GcpAuditEntry, String, SessionFeatures> {
  static final String STORE = "gcp-principals";
  private static final Logger log = LoggerFactory.getLogger(GcpProcessor.class);

  private final FeaturizerConfig config;
  private ProcessorContext<String, SessionFeatures> context;
  private KeyValueStore<String, byte[]> store;
  private final DecodedStateCache<GcpPrincipalState> cache = new DecodedStateCache<>(4096);

  /** Wall time the last input record was processed; wall-clock closing waits until input has been quiet. */
  private long lastInputWallMs;
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
    maxEntryTimeMs = Math.max(maxEntryTimeMs, e.getTimestampMs());
    try {
      GcpPrincipalState state = load(principal);
      forward(state.add(e, now), record.timestamp());
      save(principal, state);
    } catch (RuntimeException ex) {
      cache.invalidate(principal);
      throw ex;
    }
  }

  private void save(String principal, GcpPrincipalState state) {
    byte[] bytes = state.toBytes();
    store.put(principal, bytes);
    cache.put(principal, bytes, state);
  }

  private GcpPrincipalState load(String principal) {
    byte[] bytes = store.get(principal);
    if (bytes == null) {
      return new GcpPrincipalState(principal, config.gcp());
    }
    GcpPrincipalState cached = cache.get(principal, bytes);
    if (cached != null) {
      return cached;
    }
    try {
      return GcpPrincipalState.fromBytes(principal, bytes, config.gcp());
    } catch (RuntimeException ex) {
      log.warn("principal state unreadable ({}), starting over", ex.getMessage());
      return new GcpPrincipalState(principal, config.gcp());
    }
  }

  private void forward(List<SessionFeatures> features, long timestamp) {
    for (SessionFeatures f : features) {
      context.forward(new Record<>(f.getSessionId(), f, Math.max(0, timestamp)));
    }
  }

  /**
   * Closes what is idle. Wall-clock closing is for an idle partition only: while records still flow (catching up
   * after a restart, a backlog) stream time decides, so a session is never closed before its own late entries,
   * already waiting in the topic, are read.
   */
  private void sweep(long streamTimeMs, long wallNow, long outputTimestamp) {
    var sessions = config.gcp().sessions();
    var bursts = config.gcp().bursts();
    long quietMs = Math.min(sessions.idleMs() + sessions.wallGraceMs(), bursts.gapMs() + bursts.wallGraceMs());
    long wallNowMs = wallNow - lastInputWallMs > quietMs ? wallNow : Long.MIN_VALUE / 4;
    List<String> due = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, byte[]> kv = it.next();
        if (kv.value != null && GcpPrincipalState.dueAt(kv.value, streamTimeMs, wallNowMs)) {
          due.add(kv.key);
        }
      }
    }
    for (String principal : due) {
      try {
        GcpPrincipalState state = load(principal);
        forward(state.closeIdle(streamTimeMs, wallNowMs), outputTimestamp);
        if (state.isEmpty()) {
          cache.invalidate(principal);
          store.delete(principal);
        } else {
          save(principal, state);
        }
      } catch (RuntimeException ex) {
        cache.invalidate(principal);
        throw ex;
      }
    }
  }
}
