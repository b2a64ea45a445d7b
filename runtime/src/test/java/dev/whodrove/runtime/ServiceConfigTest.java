package dev.whodrove.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceConfigTest {
  @TempDir Path dir;

  @Test
  void environmentMapsToDottedKeysAndKafkaKeysPassThrough() {
    ServiceConfig cfg = ServiceConfig.load(Map.of(
        "WHODROVE_KAFKA_BOOTSTRAP_SERVERS", "k1:9092",
        "WHODROVE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
        "WHODROVE_SCHEMA_REGISTRY_URL", "http://sr:8081",
        "PATH", "/usr/bin"), Map.of());
    assertThat(cfg.kafkaClientProperties())
        .containsEntry("bootstrap.servers", "k1:9092")
        .containsEntry("security.protocol", "SASL_SSL")
        .doesNotContainKey("schema.registry.url")
        .doesNotContainKey("path");
    assertThat(cfg.serdeProperties()).containsExactlyEntriesOf(Map.of("schema.registry.url", "http://sr:8081"));
  }

  @Test
  void precedenceIsFileThenEnvironmentThenOverrides() throws Exception {
    Path file = dir.resolve("svc.properties");
    Files.writeString(file, "http.port=1\nbatch.size=10\nkafka.bootstrap.servers=file:9092\n");
    ServiceConfig cfg = ServiceConfig.load(
        Map.of("WHODROVE_CONFIG_FILE", file.toString(), "WHODROVE_HTTP_PORT", "2"), Map.of("batch.size", "30"));
    assertThat(cfg.getInt("http.port", 0)).isEqualTo(2);
    assertThat(cfg.getInt("batch.size", 0)).isEqualTo(30);
    assertThat(cfg.require("kafka.bootstrap.servers")).isEqualTo("file:9092");
  }

  @Test
  void missingAndInvalidValuesFailWithOneLineNamingKeyAndVariable() {
    ServiceConfig cfg = ServiceConfig.of(Map.of("http.port", "abc", "wait", "ten minutes"));
    assertThatThrownBy(cfg::kafkaClientProperties).isInstanceOf(ConfigException.class)
        .hasMessage("missing required config kafka.bootstrap.servers (set WHODROVE_KAFKA_BOOTSTRAP_SERVERS)");
    assertThatThrownBy(() -> cfg.getInt("http.port", 0)).hasMessageContaining("WHODROVE_HTTP_PORT")
        .hasMessageContaining("expected an integer");
    assertThatThrownBy(() -> cfg.getDuration("wait", Duration.ZERO)).hasMessageContaining("expected a duration");
    assertThatThrownBy(() -> ServiceConfig.load(Map.of("WHODROVE_CONFIG_FILE", dir.resolve("nope").toString()),
        Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("cannot read config file");
  }

  @Test
  void durationsAcceptUnitsAndIso() {
    assertThat(ServiceConfig.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(ServiceConfig.parseDuration("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(ServiceConfig.parseDuration("PT2H")).isEqualTo(Duration.ofHours(2));
    assertThat(ServiceConfig.keyToEnv("sink.db.path")).isEqualTo("WHODROVE_SINK_DB_PATH");
  }
}
