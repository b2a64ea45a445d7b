package dev.whodrove.featurizer;

import com.google.protobuf.Message;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
 * Joins a Teleport session's recording events and audit events into one {@link SessionFeatures} per session:
 * emitted when the recording completes; emitted without a recording when session.end was seen and no recording
 * came within the wait (wall clock); emitted again (revision + 1) when a late or re-delivered recording completes, and
 * when audit content the features use (BPF, Kubernetes and database events the recording did not carry, the upload
 * time) arrives after an emission, once none has come for the correction delay.
 */
final class TeleportSessionProcessor implements Processor<String, Message, String, SessionFeatures> {
  static final String SESSIONS_STORE = "teleport-sessions";
  static final String TIMERS_STORE = "teleport-timers";
  private static final Logger log = LoggerFactory.getLogger(TeleportSessionProcessor.class);
  private static final Set<String> AUDIT_TYPES = Set.of("session.start", "session.end", "session.upload",
      "db.session.start", "db.session.end");

  private final FeaturizerConfig config;
  private ProcessorContext<String, SessionFeatures> context;
  private ObjectStateStore<TeleportSessionState> sessions;
  private KeyValueStore<String, Long> timers;

  TeleportSessionProcessor(FeaturizerConfig config) {
    this.config = config;
  }

  @Override
  public void init(ProcessorContext<String, SessionFeatures> context) {
    this.context = context;
    this.sessions = context.getStateStore(SESSIONS_STORE);
    this.timers = context.getStateStore(TIMERS_STORE);
    context.schedule(config.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::fireTimers);
  }

  @Override
  public void process(Record<String, Message> record) {
    long now = context.currentSystemTimeMs();
    if (record.value() instanceof RecordingEvent e) {
      onRecordingEvent(sessionId(record.key(), e.getSessionId()), e, record.timestamp(), now);
    } else if (record.value() instanceof TeleportAuditEvent a) {
      if (!a.getSessionId().isEmpty()
          && (AUDIT_TYPES.contains(a.getType()) || AuditEventDetails.handles(a.getType()))) {
        onAudit(a.getSessionId(), a, now);
      }
    } else if (record.value() == null) {
      throw new IllegalArgumentException("record without a value (key " + record.key() + ")");
    }
  }

  private static String sessionId(String key, String fromValue) {
    String sid = fromValue.isEmpty() ? key : fromValue;
    if (sid == null || sid.isEmpty()) {
      throw new IllegalArgumentException("recording event without a session id");
    }
    return sid;
  }

  private void onRecordingEvent(String sid, RecordingEvent e, long ts, long now) {
    TeleportSessionState s = load(sid);
    if (s.acc.add(e)) {
      log.info("session {}: recording delivered again, replacing the previous one", sid);
    }
    s.lastRecordingWallMs = now;
    s.lastTouchWallMs = now;
    if (e.hasComplete()) {
      emit(sid, s, ts, now);
    }
    save(sid, s, now);
  }

  private void onAudit(String sid, TeleportAuditEvent a, long now) {
    TeleportSessionState s = load(sid);
    boolean endBefore = s.acc.auditEndSeen();
    long uploadedBefore = s.acc.uploadedAtMs();
    s.acc.addAudit(a);
    if (!endBefore && s.acc.auditEndSeen()) {
      s.endSeenWallMs = now;
    }
    boolean changes = AuditEventDetails.handles(a.getType()) && !s.acc.recordingCovers(a.getType())
        || s.acc.uploadedAtMs() != uploadedBefore; // uploaded_at comes from the audit log alone
    if (s.revision > 0 && changes) {
      // the features already went out without this: correct them once the burst of late events is over
      s.correctionDueMs = now + config.correctionDelay().toMillis();
      s.timerDueMs = 0; // re-arm below: the timer may now be due later than before
    }
    s.lastTouchWallMs = now;
    save(sid, s, now);
  }

  private TeleportSessionState load(String sid) {
    TeleportSessionState s = sessions.get(sid);
    return s != null ? s : new TeleportSessionState(new TeleportSessionAccumulator(config.bpf()));
  }

  /** State encoding for the store; unreadable bytes (an older, unknown version) start the session over. */
  static ObjectStateStore.Codec<TeleportSessionState> codec(BpfSettings bpf) {
    return new ObjectStateStore.Codec<>() {
      @Override
      public byte[] encode(TeleportSessionState s) {
        return s.toBytes();
      }

      @Override
      public TeleportSessionState decode(String sid, byte[] bytes) {
        try {
          return TeleportSessionState.fromBytes(bytes, bpf);
        } catch (RuntimeException ex) {
          log.warn("session {}: unreadable state ({}), starting over", sid, ex.getMessage());
          return new TeleportSessionState(new TeleportSessionAccumulator(bpf));
        }
      }
    };
  }


  private void save(String sid, TeleportSessionState s, long now) {
    long due = s.dueMs(config.recordingWait().toMillis(), config.teleportRetention().toMillis());
    // the timer only moves earlier here; a timer that fires early re-arms itself, so later moves can wait
    if (s.timerDueMs == 0 || due < s.timerDueMs) {
      s.timerDueMs = due;
      timers.put(sid, due);
    }
    sessions.put(sid, s);
  }

  private void emit(String sid, TeleportSessionState s, long ts, long now) {
    s.revision++;
    s.correctionDueMs = 0;
    SessionFeatures f = s.acc.build(sid).toBuilder().setRevision(s.revision).setComputedAtMs(now).build();
    context.forward(new Record<>(sid, f, Math.max(0, ts)));
  }

  private void fireTimers(long now) {
    List<KeyValue<String, Long>> due = new ArrayList<>();
    try (KeyValueIterator<String, Long> it = timers.all()) {
      while (it.hasNext()) {
        KeyValue<String, Long> kv = it.next();
        if (kv.value != null && kv.value <= now) {
          due.add(kv);
        }
      }
    }
    for (KeyValue<String, Long> kv : due) {
      fire(kv.key, now);
    }
  }

  private void fire(String sid, long now) {
    if (sessions.get(sid) == null) {
      timers.delete(sid);
      return;
    }
    TeleportSessionState s = load(sid);
    long wait = config.recordingWait().toMillis();
    long retention = config.teleportRetention().toMillis();
    long due = s.dueMs(wait, retention);
    if (due > now) {
      s.timerDueMs = due;
      timers.put(sid, due);
      sessions.put(sid, s);
      return;
    }
    if (s.awaitingRecording() || s.correctionDueMs > 0 && s.correctionDueMs <= now) {
      // session.end seen and no complete recording within the wait: emit what is known, recording_present=false;
      // or audit content arrived after the last emission: a correction
      emit(sid, s, now, now);
      s.lastTouchWallMs = now;
      s.timerDueMs = s.dueMs(wait, retention);
      timers.put(sid, s.timerDueMs);
      sessions.put(sid, s);
      return;
    }
    sessions.delete(sid);
    timers.delete(sid);
  }

}
