package dev.whodrove.featurizer;

import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.StreamsService;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/** A TopologyTestDriver around the featurizer topology with typed input and output topics. */
final class DriverSupport implements AutoCloseable {
  static final Instant WALL0 = Instant.parse("2026-06-01T00:00:00Z");

  final TopologyTestDriver driver;
  final TestInputTopic<String, RecordingEvent> recordings;
  final TestInputTopic<String, TeleportAuditEvent> audit;
  final TestInputTopic<String, GcpAuditEntry> gcp;
  final TestInputTopic<String, byte[]> rawRecordings;
  final TestOutputTopic<String, SessionFeatures> features;

  DriverSupport(FeaturizerConfig config) {
    try {
      Properties props = StreamsService.streamsProperties(
          ServiceConfig.of(Map.of("kafka.bootstrap.servers", "localhost:1")), "featurizer", "featurizer-test");
      if (System.getProperty("bench.alos") != null) {
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
      }
      props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("featurizer-test").toString());
      driver = new TopologyTestDriver(FeaturizerTopology.build(config), props, WALL0);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    var ser = Serdes.String().serializer();
    recordings = driver.createInputTopic(Topics.TELEPORT_RECORDING_EVENTS.name(), ser,
        Topics.TELEPORT_RECORDING_EVENTS.valueSerde(Map.of()).serializer());
    audit = driver.createInputTopic(Topics.TELEPORT_AUDIT_EVENTS.name(), ser,
        Topics.TELEPORT_AUDIT_EVENTS.valueSerde(Map.of()).serializer());
    gcp = driver.createInputTopic(Topics.GCP_AUDIT_ENTRIES.name(), ser,
        Topics.GCP_AUDIT_ENTRIES.valueSerde(Map.of()).serializer());
    rawRecordings = driver.createInputTopic(Topics.TELEPORT_RECORDING_EVENTS.name(), ser,
        Serdes.ByteArray().serializer());
    features = driver.createOutputTopic(Topics.SESSION_FEATURES.name(), Serdes.String().deserializer(),
        Topics.SESSION_FEATURES.valueSerde(Map.of()).deserializer());
  }

  /**
   * Drops what the driver captured on the changelog topics: it keeps every produced record in memory, which in long
   * runs measures the garbage collector rather than the topology.
   */
  void drainChangelogs() {
    for (String store : List.of("teleport-sessions", "teleport-timers", "gcp-principals")) {
      var topic = driver.createOutputTopic("featurizer-test-" + store + "-changelog", Serdes.ByteArray().deserializer(),
          Serdes.ByteArray().deserializer());
      while (!topic.isEmpty()) {
        topic.readRecord();
      }
    }
  }

  void pipe(Iterable<RecordingEvent> events) {
    for (RecordingEvent e : events) {
      recordings.pipeInput(e.getSessionId(), e, e.getTimeMs());
    }
  }

  @Override
  public void close() {
    driver.close();
  }
}
