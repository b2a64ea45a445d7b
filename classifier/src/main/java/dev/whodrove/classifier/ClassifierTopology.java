package dev.whodrove.classifier;

import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.Escalation;
import dev.whodrove.schemas.v1.SessionFeatures;
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

/**
 * session.features → session.labels (+ session.escalations). Stateless: each feature record is
 * classified on its own, so a replay from the beginning re-stamps exactly the same labels. Undecodable records and
 * records the classifier rejects go to {@code session.features.dlq} through the runtime's Streams handlers.
 */
public final class ClassifierTopology {
  private ClassifierTopology() {}

  public static Topology build(ClassifierConfig config) {
    Serde<String> keys = Serdes.String();
    Serde<SessionFeatures> features = Topics.SESSION_FEATURES.valueSerde(config.serdeConfig());
    Serde<SessionVerdict> verdicts = Topics.SESSION_LABELS.valueSerde(config.serdeConfig());
    Serde<Escalation> escalations = Topics.SESSION_ESCALATIONS.valueSerde(config.serdeConfig());
    Classifier classifier = new Classifier(config);

    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, Classifier.Result> results = builder
        .stream(Topics.SESSION_FEATURES.name(), Consumed.with(keys, features).withName("session-features"))
        .filter((k, v) -> v != null, Named.as("skip-tombstones"))
        // the record key is the session id; a keyless record falls back to the id inside it
        .map((k, v) -> KeyValue.pair(k == null || k.isEmpty() ? v.getSessionId() : k, v), Named.as("key-by-session"))
        .mapValues(classifier::classify, Named.as("classify"));

    results.mapValues(Classifier.Result::verdict, Named.as("verdict"))
        .to(Topics.SESSION_LABELS.name(), Produced.with(keys, verdicts).withName("session-labels"));
    results.flatMapValues(r -> r.escalation().map(List::of).orElse(List.of()), Named.as("escalation"))
        .to(Topics.SESSION_ESCALATIONS.name(), Produced.with(keys, escalations).withName("session-escalations"));
    return builder.build();
  }
}
