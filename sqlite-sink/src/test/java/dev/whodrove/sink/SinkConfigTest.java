package dev.whodrove.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SinkConfigTest {
  @Test
  void defaults() {
    SinkConfig c = SinkConfig.from(ServiceConfig.of(Map.of()));
    assertThat(c.dbPath()).isEqualTo(Path.of("sessions.sqlite"));
    assertThat(c.topic()).isEqualTo("session.labels");
    assertThat(c.groupId()).isEqualTo("sqlite-sink");
    assertThat(c.batchSize()).isEqualTo(500);
    assertThat(c.batchMaxWait()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.synchronous()).isEqualTo("FULL");
  }

  @Test
  void readsEnvironmentStyleKeysAndRejectsNonsense() {
    SinkConfig c = SinkConfig.from(ServiceConfig.load(
        Map.of("WHODROVE_SINK_DB_PATH", "/data/s.sqlite", "WHODROVE_SINK_BATCH_SIZE", "100",
            "WHODROVE_SINK_BATCH_MAX_WAIT", "1s", "WHODROVE_SINK_DB_SYNCHRONOUS", "normal"), Map.of()));
    assertThat(c.dbPath()).isEqualTo(Path.of("/data/s.sqlite"));
    assertThat(c.batchSize()).isEqualTo(100);
    assertThat(c.batchMaxWait()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.synchronous()).isEqualTo("NORMAL");
    assertThatThrownBy(() -> SinkConfig.from(ServiceConfig.of(Map.of("sink.batch.size", "0"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("WHODROVE_SINK_BATCH_SIZE");
    assertThatThrownBy(() -> SinkConfig.from(ServiceConfig.of(Map.of("sink.db.synchronous", "sometimes"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("sink.db.synchronous");
  }
}
