package dev.whodrove.ingest.teleport;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/** Small helpers for the tests that use the embedded broker. */
final class KafkaTestSupport {
  private KafkaTestSupport() {}

  static Map<String, Object> clientProps(EmbeddedKafkaBroker broker) {
    Map<String, Object> p = new HashMap<>();
    p.put("bootstrap.servers", broker.bootstrapServers());
    return p;
  }

  static void createTopics(EmbeddedKafkaBroker broker) {
    List<TopicSpec<?>> specs = List.of(Topics.TELEPORT_AUDIT_EVENTS, Topics.TELEPORT_RECORDINGS,
        Topics.deadLetterOf(Topics.TELEPORT_AUDIT_EVENTS), Topics.deadLetterOf(Topics.TELEPORT_RECORDINGS));
    try (Admin admin = Admin.create(clientProps(broker))) {
      Topics.ensureTopics(admin, specs, 2, (short) 1, Duration.ofSeconds(30));
    }
  }

  static TeleportPublisher publisher(EmbeddedKafkaBroker broker, Duration dedupWindow) {
    return new TeleportPublisher("ingest-teleport", clientProps(broker), Map.of(), 1000,
        new RecordingDeduplicator(dedupWindow, 10_000, Clock.systemUTC()), new SimpleMeterRegistry(),
        Clock.systemUTC());
  }

  static dev.whodrove.schemas.v1.SourcePosition position(String source, String locator, long offset) {
    return dev.whodrove.schemas.v1.SourcePosition.newBuilder().setSource(source).setLocator(locator).setOffset(offset)
        .build();
  }
}
