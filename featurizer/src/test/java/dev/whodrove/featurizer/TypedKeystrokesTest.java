package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.PrintChunk;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Recorded keyboard input: one key at a person's pace counts as typed; whole lines and machine-fast keys do not. */
class TypedKeystrokesTest {
  private static final long T0 = 1_780_000_000_000L;

  private static RecordingEvent input(long index, long delayMs, long bytes) {
    return RecordingEvent.newBuilder().setSessionId("s").setIndex(index).setTimeMs(T0 + delayMs).setType("input")
        .setRecordingUri("file:///r/s.cast")
        .setInput(PrintChunk.newBuilder().setBytes(bytes).setDelayMs(delayMs).setChunkIndex(index)).build();
  }

  /** 10 keys 150 ms apart, a 60-byte pasted line, 10 keys 5 ms apart (scripted), a key 3 s after the last. */
  private static List<RecordingEvent> events() {
    List<RecordingEvent> out = new ArrayList<>();
    long t = 1000;
    long i = 1;
    for (int k = 0; k < 10; k++) {
      out.add(input(i++, t += 150, 1));
    }
    out.add(input(i++, t += 400, 60));
    for (int k = 0; k < 10; k++) {
      out.add(input(i++, t += 5, 1));
    }
    out.add(input(i++, t += 3000, 3));
    return out;
  }

  @Test
  void countsKeysTypedAtAPersonsPace() {
    TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
    events().forEach(acc::add);
    SessionFeatures f = acc.build("s");
    assertThat(f.getTeleport().getInputEvents()).isEqualTo(22);
    // the first key has no gap before it; the pasted line is not one key; the scripted keys are too fast
    assertThat(f.getTeleport().getTypedKeystrokes()).isEqualTo(9);
  }

  @Test
  void theCountSurvivesTheStateStore() {
    List<RecordingEvent> events = events();
    TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
    for (RecordingEvent e : events) {
      acc.add(e);
      acc = TeleportSessionAccumulator.fromBytes(acc.toBytes());
    }
    assertThat(acc.build("s").getTeleport().getTypedKeystrokes()).isEqualTo(9);
  }

  @Test
  void stateWrittenBeforeTypedKeystrokesIsStillRead() {
    TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
    List<RecordingEvent> events = events();
    events.subList(0, 5).forEach(acc::add);
    byte[] now = acc.toBytes();
    // version 2 had the same layout without the two trailing fields: typed keys (4) and the last input's delay
    StateWriter tail = new StateWriter();
    tail.varint(4).zigzag(events.get(4).getInput().getDelayMs());
    byte[] tailBytes = tail.toByteArray();
    assertThat(now[0]).isEqualTo((byte) 3);
    assertThat(Arrays.copyOfRange(now, now.length - tailBytes.length, now.length)).isEqualTo(tailBytes);
    byte[] v2 = Arrays.copyOf(now, now.length - tailBytes.length);
    v2[0] = 2;

    TeleportSessionAccumulator resumed = TeleportSessionAccumulator.fromBytes(v2);
    events.subList(5, events.size()).forEach(resumed::add);
    // the keys before the upgrade are not known to have been typed; counting starts again after the next key
    assertThat(resumed.build("s").getTeleport().getTypedKeystrokes()).isEqualTo(4);
    assertThat(resumed.build("s").getTeleport().getInputEvents()).isEqualTo(22);
  }
}
