package dev.whodrove.correlator;

import dev.whodrove.schemas.v1.Correlation;
import dev.whodrove.schemas.v1.SessionVerdict;
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
 * Keyed by identity: loads the identity's state, lets the {@link CorrelationEngine} take the arriving session in, stores
 * the state and forwards what changed. Retention is event time: a task forgets sessions that ended more than
 * {@code correlator.retention} before the newest session end it has seen (on each arrival, for that identity, and for
 * every identity on a wall-clock schedule). An identity whose sessions all expire without ever pairing is counted and
 * logged by a digest, never by name.
 */
final class CorrelationProcessor implements Processor<String, SessionSide, String, Emitted> {
  private static final Logger log = LoggerFactory.getLogger(CorrelationProcessor.class);

  private final CorrelatorConfig config;
  private final CorrelationEngine engine;
  private final CorrelatorMetrics metrics;
  private ProcessorContext<String, Emitted> context;
  private KeyValueStore<String, IdentityState> store;
  /** Newest session end seen by this task; -1 until known (recomputed from the store after a restart). */
  private long watermarkMs = -1;

  CorrelationProcessor(CorrelatorConfig config, CorrelatorMetrics metrics) {
    this.config = config;
    this.engine = new CorrelationEngine(config);
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, Emitted> context) {
    this.context = context;
    this.store = context.getStateStore(CorrelatorTopology.STORE);
    context.schedule(config.expiryInterval(), PunctuationType.WALL_CLOCK_TIME, now -> expireAll());
  }

  @Override
  public void process(Record<String, SessionSide> record) {
    SessionSide side = record.value();
    String identity = record.key();
    if (side == null || identity == null || identity.isEmpty()) {
      return;
    }
    long watermark = Math.max(watermark(), side.endMs());
    watermarkMs = watermark;
    IdentityState state = store.get(identity);
    if (state == null) {
      state = new IdentityState();
    }
    metrics.sessionTaken(side.kind());
    CorrelationEngine.Outputs out = engine.apply(state, side, horizon(watermark));
    if (out.stale()) {
      metrics.stale();
      return;
    }
    if (state.entries.isEmpty()) {
      store.delete(identity);
    } else {
      store.put(identity, state);
    }
    for (Correlation c : out.upserts()) {
      context.forward(record.withKey(c.getCorrelationId()).withValue(Emitted.correlation(c)));
      metrics.published(c.getTier());
    }
    for (String id : out.removed()) {
      context.forward(record.withKey(id).withValue(Emitted.tombstone()));
      metrics.withdrawn();
    }
    for (SessionVerdict v : out.verdicts()) {
      context.forward(record.withKey(v.getSessionId()).withValue(Emitted.verdict(v)));
    }
  }

  private long horizon(long watermark) {
    return watermark <= 0 ? 0 : watermark - config.retention().toMillis();
  }

  /** The task's watermark, recomputed from the store once after a start. */
  private long watermark() {
    if (watermarkMs < 0) {
      long max = 0;
      try (KeyValueIterator<String, IdentityState> it = store.all()) {
        while (it.hasNext()) {
          max = Math.max(max, it.next().value.newestEndMs());
        }
      }
      watermarkMs = max;
    }
    return watermarkMs;
  }

  /** Drops expired sessions of every identity; counts identities that leave without ever having paired. */
  private void expireAll() {
    long horizon = horizon(watermark());
    if (horizon <= 0) {
      return;
    }
    List<KeyValue<String, IdentityState>> changed = new ArrayList<>();
    try (KeyValueIterator<String, IdentityState> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, IdentityState> kv = it.next();
        if (kv.value.expire(horizon)) {
          changed.add(kv);
        }
      }
    }
    int unmatched = 0;
    for (KeyValue<String, IdentityState> kv : changed) {
      if (!kv.value.entries.isEmpty()) {
        store.put(kv.key, kv.value);
        continue;
      }
      store.delete(kv.key);
      if (!kv.value.everPaired) {
        unmatched++;
        metrics.unmatched(kv.value.seenTag());
        log.info("identity {} ({}) expired without a cross-substrate match", CorrelationIds.logTag(kv.key),
            kv.value.seenTag());
      }
    }
    if (!changed.isEmpty()) {
      log.debug("expired sessions of {} identities, {} never matched", changed.size(), unmatched);
    }
  }
}
