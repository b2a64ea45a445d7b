package dev.whodrove.correlator;

import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.Correlation;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * session.labels → session.correlations + session.labels. Phase-1 verdicts (of {@code correlator.input.stage}) become
 * session sides re-keyed by bridged identity (the repartition topic {@code <application id>-by-identity-repartition}),
 * so one task sees every session of an identity; the correlation processor keeps them in the {@value #STORE} store
 * and publishes each pair as it appears. Every other stamp on session.labels — phase 2, manual, the correlator's own
 * verdicts — is passed over, so the correlator never reads what it wrote.
 */
public final class CorrelatorTopology {
  /** The per-identity state store (RocksDB, changelogged). */
  public static final String STORE = "identities";
  /** Name of the re-keying step; Streams derives the repartition topic from it. */
  public static final String BY_IDENTITY = "by-identity";

  private CorrelatorTopology() {}

  /** The topology with meters nobody reads. */
  public static Topology build(CorrelatorConfig config) {
    return build(config, CorrelatorMetrics.discarding());
  }

  public static Topology build(CorrelatorConfig config, CorrelatorMetrics metrics) {
    Serde<String> keys = Serdes.String();
    Serde<SessionVerdict> verdicts = Topics.SESSION_LABELS.valueSerde(config.serdeConfig());
    Serde<Correlation> correlations = Topics.SESSION_CORRELATIONS.valueSerde(config.serdeConfig());
    IdentityBridge bridge = config.bridge();
    String inputStage = config.inputStage();

    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), keys,
        StateCodec.stateSerde()));
    KStream<String, Emitted> out = builder
        .stream(Topics.SESSION_LABELS.name(), Consumed.with(keys, verdicts).withName("session-labels"))
        .flatMap((k, v) -> {
          if (v == null || !inputStage.equals(v.getStage())) {
            return List.<KeyValue<String, SessionSide>>of();
          }
          SessionSide.Result r = SessionSide.of(v);
          if (r.side() == null) {
            metrics.skipped(r.skip().tag);
            return List.<KeyValue<String, SessionSide>>of();
          }
          SessionSide s = r.side();
          IdentityBridge.Side side = s.kind() == SessionSide.Kind.TELEPORT ? IdentityBridge.Side.TELEPORT
              : IdentityBridge.Side.GCP;
          String identity = bridge.identity(side, s.user());
          return List.of(KeyValue.pair(identity, s.withIdentity(identity)));
        }, Named.as("to-identity"))
        .repartition(Repartitioned.with(keys, StateCodec.sideSerde()).withName(BY_IDENTITY))
        .process(() -> new CorrelationProcessor(config, metrics), Named.as("correlate"), STORE);

    out.filter((k, e) -> !e.isVerdict(), Named.as("correlations-only"))
        .mapValues(Emitted::correlation, Named.as("correlation"))
        .to(Topics.SESSION_CORRELATIONS.name(), Produced.with(keys, correlations).withName("session-correlations"));
    out.filter((k, e) -> e.isVerdict(), Named.as("verdicts-only"))
        .mapValues(Emitted::verdict, Named.as("verdict"))
        .to(Topics.SESSION_LABELS.name(), Produced.with(keys, verdicts).withName("correlation-labels"));
    return builder.build();
  }
}
