package dev.whodrove.featurizer;

/**
 * What the Streams topology keeps per Teleport session: the accumulator plus emission bookkeeping (revision, wall
 * times driving the recording wait and the retention).
 */
final class TeleportSessionState {
  final TeleportSessionAccumulator acc;
  int revision;
  long endSeenWallMs;
  long lastRecordingWallMs;
  long lastTouchWallMs;
  /** Wall time the timer for this session is set to, 0 if none. */
  long timerDueMs;
  /** Wall time a correction is due (audit content arrived after an emission), 0 if none. */
  long correctionDueMs;

  TeleportSessionState(TeleportSessionAccumulator acc) {
    this.acc = acc;
  }

  /** Waiting for a recording: the session ended, no complete recording, nothing emitted yet. */
  boolean awaitingRecording() {
    return revision == 0 && acc.auditEndSeen() && !acc.recordingComplete();
  }

  /** When the next action is due: the end of the recording wait, else the end of retention. */
  long dueMs(long waitMs, long retentionMs) {
    if (awaitingRecording()) {
      return Math.max(endSeenWallMs, lastRecordingWallMs) + waitMs;
    }
    long retained = lastTouchWallMs + retentionMs;
    return correctionDueMs > 0 ? Math.min(correctionDueMs, retained) : retained;
  }

  /** Version 2 adds the correction time; version 1 is still read. */
  byte[] toBytes() {
    StateWriter w = new StateWriter();
    w.varint(2).varint(revision).zigzag(endSeenWallMs).zigzag(lastRecordingWallMs).zigzag(lastTouchWallMs)
        .zigzag(timerDueMs).bytes(acc.toBytes()).zigzag(correctionDueMs);
    return w.toByteArray();
  }

  static TeleportSessionState fromBytes(byte[] bytes) {
    return fromBytes(bytes, BpfSettings.defaults());
  }

  static TeleportSessionState fromBytes(byte[] bytes, BpfSettings settings) {
    StateReader r = new StateReader(bytes);
    long version = r.varint();
    if (version != 1 && version != 2) {
      throw new IllegalStateException("unknown teleport state version " + version);
    }
    int revision = r.varintInt();
    long end = r.zigzag();
    long rec = r.zigzag();
    long touch = r.zigzag();
    long due = r.zigzag();
    TeleportSessionState s = new TeleportSessionState(TeleportSessionAccumulator.fromBytes(r.bytes(), settings));
    if (version >= 2) {
      s.correctionDueMs = r.zigzag();
    }
    s.revision = revision;
    s.endSeenWallMs = end;
    s.lastRecordingWallMs = rec;
    s.lastTouchWallMs = touch;
    s.timerDueMs = due;
    return s;
  }
}
