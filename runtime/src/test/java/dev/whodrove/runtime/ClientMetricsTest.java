package dev.whodrove.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class ClientMetricsTest {
  // clients connect lazily: none of these needs a broker
  private static final Map<String, Object> PROPS = Map.of("bootstrap.servers", "127.0.0.1:1");

  private static long meters(SimpleMeterRegistry registry, String prefix) {
    return registry.getMeters().stream().map(Meter::getId).filter(id -> id.getName().startsWith(prefix)).count();
  }

  @Test
  void everyKindOfClientIsBoundUntilClosed() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(PROPS, new ByteArraySerializer(),
            new ByteArraySerializer());
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(PROPS, new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
        Admin admin = Admin.create(PROPS)) {
      ClientMetrics p = ClientMetrics.bind(registry, producer);
      ClientMetrics c = ClientMetrics.bind(registry, consumer);
      ClientMetrics a = ClientMetrics.bind(registry, admin);
      assertThat(meters(registry, "kafka.producer.")).isPositive();
      assertThat(meters(registry, "kafka.consumer.")).isPositive();
      assertThat(meters(registry, "kafka.admin.client.")).isPositive();

      p.close();
      c.close();
      a.close();
      assertThat(meters(registry, "kafka.producer.")).isZero();
      assertThat(meters(registry, "kafka.consumer.")).isZero();
      assertThat(meters(registry, "kafka.admin.client.")).isZero();
      producer.close(Duration.ZERO);
    }
  }

  @Test
  void withoutRegistryNothingIsBound() {
    try (Admin admin = Admin.create(PROPS)) {
      ClientMetrics.bind(null, admin).close();
    }
  }
}
