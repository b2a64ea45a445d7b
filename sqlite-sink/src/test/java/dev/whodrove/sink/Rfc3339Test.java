package dev.whodrove.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Rfc3339Test {
  @Test
  void secondsMatchesJavaTime() {
    Random r = new Random(7);
    for (int i = 0; i < 10_000; i++) {
      long ms = (long) (r.nextDouble() * 4_102_444_800_000L);
      assertThat(Rfc3339.seconds(ms)).isEqualTo(Instant.ofEpochMilli(ms).truncatedTo(ChronoUnit.SECONDS).toString());
    }
    assertThat(Rfc3339.seconds(0)).isEqualTo("1970-01-01T00:00:00Z");
    assertThat(Rfc3339.seconds(-1)).isEqualTo("1969-12-31T23:59:59Z");
    assertThat(Rfc3339.secondsOrNull(0)).isNull();
    assertThat(Rfc3339.millis(1_767_225_600_123L)).isEqualTo("2026-01-01T00:00:00.123Z");
  }
}
