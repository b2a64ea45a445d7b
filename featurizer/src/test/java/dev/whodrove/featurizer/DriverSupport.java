package dev.whodrove.featurizer;

import dev.whodrove.runtime.InputLag;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.StreamsService;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.nio.file.Files;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
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
    this(config, WALL0, null);
  }

  /** A driver whose wall clock starts at {@code wall0}, with the host's consumer lag when {@code inputLag} is set. */
  DriverSupport(FeaturizerConfig config, Instant wall0, InputLag inputLag) {
    Properties props = StreamsService.streamsProperties(
        ServiceConfig.of(Map.of("kafka.bootstrap.servers", "localhost:1")), "featurizer", "featurizer-test");
    if (System.getProperty("bench.alos") != null) {
      props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    }
    try {
      props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("featurizer-test").toString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    if (inputLag != null) {
      props.put(InputLag.CONFIG, inputLag);
    }
    driver = new TopologyTestDriver(FeaturizerTopology.build(config), props, wall0);
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

  /** The GCP principal states on the changelog (the last record per principal): what a restart restores. */
  Map<String, byte[]> gcpChangelog() {
    Map<String, byte[]> states = new LinkedHashMap<>();
    var topic = driver.createOutputTopic("featurizer-test-" + GcpProcessor.STORE + "-changelog",
        Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
    for (KeyValue<String, byte[]> kv : topic.readKeyValuesToList()) {
      if (kv.value == null) {
        states.remove(kv.key);
      } else {
        states.put(kv.key, kv.value);
      }
    }
    return states;
  }

  /**
   * Puts changelog states into the GCP store, as restoration does for a restarted instance (the driver cleans its
   * state directory on close, so a second driver cannot open the first one's stores).
   */
  @SuppressWarnings("unchecked")
  void restoreGcp(Map<String, byte[]> states, GcpPrincipalState.Settings settings) {
    var store = (ObjectStateStore<GcpPrincipalState>) driver.getStateStore(GcpProcessor.STORE);
    states.forEach((principal, bytes) -> store.put(principal, GcpPrincipalState.fromBytes(principal, bytes, settings)));
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
