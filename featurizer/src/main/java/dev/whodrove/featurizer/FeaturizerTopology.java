package dev.whodrove.featurizer;

import com.google.protobuf.Message;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The featurizer as a Kafka Streams topology: recording and audit events into Teleport session features, audit
 * entries into GCP synthetic sessions and gcloud bursts, all to {@code session.features}. State lives in persistent
 * key-value stores with changelogs, held as live objects and encoded once per commit ({@link ObjectStateStore}).
 */
public final class FeaturizerTopology {
  static final String RECORDING_SOURCE = "recording-events";
  static final String AUDIT_SOURCE = "audit-events";
  static final String GCP_SOURCE = "gcp-entries";
  static final String TELEPORT_PROCESSOR = "teleport-sessions";
  static final String GCP_PROCESSOR = "gcp-sessions";
  static final String TELEPORT_SINK = "teleport-features";
  static final String GCP_SINK = "gcp-features";
  /** Decoded states kept per store and task; the least recently used beyond this are written out and dropped. */
  static final int STATE_OBJECTS_HELD = 4096;

  private FeaturizerTopology() {}

  public static Topology build(FeaturizerConfig config) {
    Topology t = new Topology();
    var recordingSerde = Topics.TELEPORT_RECORDING_EVENTS.valueSerde(config.serdeConfig());
    var auditSerde = Topics.TELEPORT_AUDIT_EVENTS.valueSerde(config.serdeConfig());
    var gcpSerde = Topics.GCP_AUDIT_ENTRIES.valueSerde(config.serdeConfig());
    var featuresSerde = Topics.SESSION_FEATURES.valueSerde(config.serdeConfig());
    Deserializer<RecordingEvent> recordings = recordingSerde.deserializer();
    Deserializer<TeleportAuditEvent> audit = auditSerde.deserializer();
    Deserializer<GcpAuditEntry> gcp = gcpSerde.deserializer();

    t.addSource(RECORDING_SOURCE, Serdes.String().deserializer(), asMessage(recordings),
        Topics.TELEPORT_RECORDING_EVENTS.name());
    t.addSource(AUDIT_SOURCE, Serdes.String().deserializer(), asMessage(audit), Topics.TELEPORT_AUDIT_EVENTS.name());
    t.addProcessor(TELEPORT_PROCESSOR, () -> new TeleportSessionProcessor(config), RECORDING_SOURCE, AUDIT_SOURCE);
    t.addStateStore(ObjectStateStore.builder(TeleportSessionProcessor.SESSIONS_STORE, TeleportSessionProcessor.codec(config.bpf()),
        STATE_OBJECTS_HELD), TELEPORT_PROCESSOR);
    t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TeleportSessionProcessor.TIMERS_STORE),
        Serdes.String(), Serdes.Long()).withCachingEnabled(), TELEPORT_PROCESSOR);

    t.addSource(GCP_SOURCE, Serdes.String().deserializer(), gcp, Topics.GCP_AUDIT_ENTRIES.name());
    t.addProcessor(GCP_PROCESSOR, () -> new GcpProcessor(config), GCP_SOURCE);
    t.addStateStore(ObjectStateStore.builder(GcpProcessor.STORE, GcpProcessor.codec(config.gcp()), STATE_OBJECTS_HELD),
        GCP_PROCESSOR);

    // one sink per side keeps the Teleport and GCP halves separate sub-topologies (no co-partitioning between them)
    t.addSink(TELEPORT_SINK, Topics.SESSION_FEATURES.name(), Serdes.String().serializer(),
        featuresSerde.serializer(), TELEPORT_PROCESSOR);
    t.addSink(GCP_SINK, Topics.SESSION_FEATURES.name(), Serdes.String().serializer(), featuresSerde.serializer(),
        GCP_PROCESSOR);
    return t;
  }

  /** Widens a message deserializer so two input topics of different types can feed one processor. */
  private static <M extends Message> Deserializer<Message> asMessage(Deserializer<M> d) {
    return new Deserializer<>() {
      @Override
      public Message deserialize(String topic, byte[] data) {
        return d.deserialize(topic, data);
      }

      @Override
      public Message deserialize(String topic, org.apache.kafka.common.header.Headers headers, byte[] data) {
        return d.deserialize(topic, headers, data);
      }
    };
  }
}
