package dev.whodrove.siem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceFactory;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SiemConfigTest {
  private static final Map<String, String> BASE = Map.of("kafka.bootstrap.servers", "localhost:9092");

  @Test
  void defaults() {
    SiemConfig c = SiemConfig.from(ServiceConfig.of(BASE));
    assertThat(c.json()).isTrue();
    assertThat(c.ocsf()).isFalse();
    assertThat(c.humanFindings()).isFalse();
    assertThat(c.applicationId()).isEqualTo("whodrove-siem-export-v1");
    assertThat(c.query()).isEqualTo(new SiemConfig.Query("0.0.0.0", 9419, null, Duration.ofSeconds(5)));
    assertThat(c.release()).as("the build's version").isNotBlank().isNotEqualTo("dev").doesNotContain("${");
  }

  @Test
  void everyKeyCanBeSetFromTheEnvironment() {
    SiemConfig c = SiemConfig.from(ServiceConfig.load(Map.of(
        "WHODROVE_KAFKA_BOOTSTRAP_SERVERS", "localhost:9092",
        "WHODROVE_SIEM_JSON_ENABLED", "false",
        "WHODROVE_SIEM_OCSF_ENABLED", "true",
        "WHODROVE_SIEM_OCSF_HUMAN_FINDINGS", "true",
        "WHODROVE_SIEM_OCSF_PRODUCT_VERSION", "1.2.3",
        "WHODROVE_SIEM_HTTP_PORT", "-1",
        "WHODROVE_SIEM_HTTP_ADVERTISED_HOST", "siem-export-0.siem",
        "WHODROVE_SIEM_HTTP_FORWARD_TIMEOUT", "2s",
        "WHODROVE_APPLICATION_ID", "whodrove-siem-export-v2"), Map.of()));
    assertThat(c.json()).isFalse();
    assertThat(c.ocsf()).isTrue();
    assertThat(c.humanFindings()).isTrue();
    assertThat(c.release()).isEqualTo("1.2.3");
    assertThat(c.query().enabled()).isFalse();
    assertThat(c.query().advertisedHost()).isEqualTo("siem-export-0.siem");
    assertThat(c.query().forwardTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.applicationId()).isEqualTo("whodrove-siem-export-v2");
  }

  @Test
  void badValuesNameTheKeyAndEnvVar() {
    assertThatThrownBy(() -> SiemConfig.from(ServiceConfig.of(BASE).with(Map.of("siem.http.port", "70000"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("siem.http.port")
        .hasMessageContaining("WHODROVE_SIEM_HTTP_PORT");
    assertThatThrownBy(() -> SiemConfig.from(ServiceConfig.of(BASE).with(Map.of("siem.http.forward.timeout", "0s"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("WHODROVE_SIEM_HTTP_FORWARD_TIMEOUT");
  }

  @Test
  void theServiceIsRegisteredWithItsPortAndPrefix() {
    ServiceFactory f = ServiceFactory.named("siem-export").orElseThrow();
    assertThat(f.defaultHttpPort()).isEqualTo(9409);
    assertThat(f.keyPrefix()).isEqualTo("siem.");
  }
}
