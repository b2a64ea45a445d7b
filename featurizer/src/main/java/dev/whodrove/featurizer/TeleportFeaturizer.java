package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.SessionFeatures;

/** Offline use: the features of one decoded Teleport recording, no Kafka involved. */
public final class TeleportFeaturizer {
  private TeleportFeaturizer() {}

  /** Features of the recording events of one session (session id taken from the events). */
  public static SessionFeatures featurize(Iterable<RecordingEvent> events) {
    TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
    String sid = "";
    for (RecordingEvent e : events) {
      if (sid.isEmpty()) {
        sid = e.getSessionId();
      }
      acc.add(e);
    }
    return acc.build(sid).toBuilder().setRevision(1).setComputedAtMs(System.currentTimeMillis()).build();
  }
}
