package dev.whodrove.siem;

import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.MergedVerdict;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * session.labels → the merged view of every session (state store {@value #STORE}, with a changelog) → on every change
 * the view as JSON on {@code session.labels.json} and, when enabled, an OCSF Detection Finding on
 * {@code session.findings.ocsf}. A pure function of the configuration; undecodable and unmergeable verdicts go to
 * {@code session.labels.dlq} through the runtime's Streams handlers.
 */
public final class SiemTopology {
  /** The merged views, by session id: what {@code GET /sessions/{id}} reads. */
  public static final String STORE = "merged-sessions";

  private SiemTopology() {}

  /** The serde of the store's values (plain protobuf: the store and its changelog are this service's own). */
  static Serde<MergedVerdict> viewSerde() {
    return new ProtobufSerde<>(MergedVerdict.getDefaultInstance());
  }

  public static Topology build(SiemConfig config) {
    Serde<String> keys = Serdes.String();
    Serde<SessionVerdict> verdicts = Topics.SESSION_LABELS.valueSerde(config.serdeConfig());
    StreamsBuilder builder = new StreamsBuilder();
    // no record cache: every change is emitted as it happens, and the store a query reads is never behind the feed
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), keys, viewSerde())
        .withCachingDisabled());
    KStream<String, SiemUpdate> changes = builder
        .stream(Topics.SESSION_LABELS.name(), Consumed.with(keys, verdicts).withName("session-labels"))
        .process(() -> new MergeProcessor(config.ocsf(), config.humanFindings()), Named.as("merge"), STORE);
    if (config.json()) {
      changes.mapValues(u -> SiemJson.render(u.view()), Named.as("render-json"))
          .to(Topics.SESSION_LABELS_JSON.name(), Produced.with(keys, Serdes.String()).withName("session-labels-json"));
    }
    if (config.ocsf()) {
      String release = config.release();
      changes.flatMapValues(u -> u.findingActivity() == 0 ? List.<String>of()
              : List.of(OcsfFinding.render(u.view(), u.findingActivity(), release)), Named.as("render-ocsf"))
          .to(Topics.SESSION_FINDINGS_OCSF.name(),
              Produced.with(keys, Serdes.String()).withName("session-findings-ocsf"));
    }
    return builder.build();
  }
}
