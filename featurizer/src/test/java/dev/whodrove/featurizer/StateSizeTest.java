package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.PrintChunk;
import dev.whodrove.schemas.v1.RecordingEvent;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StateSizeTest {
  static final int LIMIT = 64 * 1024;

  /** Feeds a long session of mixed cadence; returns the largest serialized state seen along the way. */
  static int maxStateBytes(int events) {
    TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
    Random r = new Random(9);
    long t = Recordings.T0;
    int max = 0;
    for (int i = 0; i < events; i++) {
      double p = r.nextDouble();
      t += p < 0.6 ? r.nextInt(3) : p < 0.95 ? 20 + r.nextInt(400) : p < 0.999 ? 1000 + r.nextInt(30_000)
          : 130_000 + r.nextInt(200_000);
      RecordingEvent.Builder e = RecordingEvent.newBuilder().setSessionId("long").setIndex(i).setTimeMs(t)
          .setRecordingUri("s3://b/sessions/long.tar");
      if (i % 1000 == 999) {
        e.setCommand(dev.whodrove.schemas.v1.CommandExecuted.newBuilder().setPath("/bin/sh")
            .addArgv("sh").addArgv("-c").addArgv("x".repeat(2000)));
      } else {
        e.setPrint(PrintChunk.newBuilder().setBytes(1 + r.nextInt(4000)).setDelayMs(t - Recordings.T0));
      }
      acc.add(e.build());
      if (i % 50_000 == 0 || i == events - 1) {
        byte[] state = acc.toBytes();
        max = Math.max(max, state.length);
        acc = TeleportSessionAccumulator.fromBytes(state);
      }
    }
    return max;
  }

  @Test
  void perSessionStateStaysUnder64KiBAfterAMillionEvents() {
    assertThat(maxStateBytes(1_000_000)).isLessThanOrEqualTo(LIMIT);
  }
}
