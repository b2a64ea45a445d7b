package dev.whodrove.siem;

import dev.whodrove.schemas.labels.LabelMerge;
import dev.whodrove.schemas.redact.FeatureRedactor;
import dev.whodrove.schemas.v1.MergedVerdict;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Folds each verdict on {@code session.labels} into the session's merged view in {@link SiemTopology#STORE} and
 * forwards the view when it changed, with the OCSF activity its finding gets. A verdict that cannot be merged (no
 * session id, a label without key, a key other than its session id) throws, and the runtime dead-letters it to
 * {@code session.labels.dlq}. Whatever wrote the verdict, its features and label values are redacted first.
 */
final class MergeProcessor implements Processor<String, SessionVerdict, String, SiemUpdate> {
  private final boolean ocsf;
  private final boolean humanFindings;
  private final FeatureRedactor redactor = new FeatureRedactor();
  private ProcessorContext<String, SiemUpdate> context;
  private KeyValueStore<String, MergedVerdict> store;

  MergeProcessor(boolean ocsf, boolean humanFindings) {
    this.ocsf = ocsf;
    this.humanFindings = humanFindings;
  }

  @Override
  public void init(ProcessorContext<String, SiemUpdate> context) {
    this.context = context;
    this.store = context.getStateStore(SiemTopology.STORE);
  }

  /**
   * What one verdict does to a session: its next view (with the finding count and creation time advanced when a
   * finding is rendered) and the finding's activity, or empty when the verdict changes nothing.
   */
  static Optional<SiemUpdate> next(MergedVerdict before, SessionVerdict v, long recordTimeMs, boolean ocsf,
      boolean humanFindings) {
    Optional<MergedVerdict> after = MergedViews.merge(before, v, recordTimeMs);
    if (after.isEmpty()) {
      return Optional.empty();
    }
    MergedVerdict view = after.get();
    int activity = ocsf ? OcsfFinding.activity(view, humanFindings) : 0;
    if (activity != 0) {
      MergedVerdict.Builder b = view.toBuilder().setFindings(view.getFindings() + 1);
      if (activity == OcsfFinding.ACTIVITY_CREATE) {
        b.setFindingCreatedAtMs(view.getUpdatedAtMs());
      }
      view = b.build();
    }
    return Optional.of(new SiemUpdate(view, activity));
  }

  @Override
  public void process(Record<String, SessionVerdict> record) {
    SessionVerdict v = record.value();
    if (v == null) {
      return; // a tombstone: session.labels is not compacted, nothing to forget
    }
    String invalid = LabelMerge.invalidReason(v);
    if (invalid != null) {
      throw new IllegalArgumentException(invalid);
    }
    String key = record.key();
    if (key == null || !key.equals(v.getSessionId())) {
      // the view is looked up by record key (the partition of GET /sessions/{id}): another key would split it
      throw new IllegalArgumentException("record key " + (key == null ? "(none)" : "'" + key + "'")
          + " is not the verdict's session_id '" + v.getSessionId() + "' (session.labels is keyed by session id)");
    }
    Optional<SiemUpdate> update = next(store.get(key), redactor.redact(v), record.timestamp(), ocsf, humanFindings);
    if (update.isPresent()) {
      store.put(key, update.get().view());
      context.forward(record.withValue(update.get()));
    }
  }
}
