package dev.whodrove.siem;

import dev.whodrove.schemas.v1.MergedVerdict;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Kafka Streams interactive queries over {@link SiemTopology#STORE}: the instance holding a session is the active
 * host of its key's partition ({@link KafkaStreams#queryMetadataForKey}), every instance advertising its query
 * endpoint as {@code application.server}.
 */
final class StreamsSessionLookup implements SessionLookup {
  private final Supplier<KafkaStreams> streams;
  private final Supplier<HostInfo> self;

  /** @param self this instance's advertised address, known once the query endpoint is bound */
  StreamsSessionLookup(Supplier<KafkaStreams> streams, Supplier<HostInfo> self) {
    this.streams = streams;
    this.self = self;
  }

  @Override
  public Location locate(String sessionId) {
    KafkaStreams s = streams.get();
    if (s == null || !s.state().isRunningOrRebalancing()) {
      return new Unavailable("the store is not open (streams " + (s == null ? "not started" : s.state()) + ")");
    }
    KeyQueryMetadata md = s.queryMetadataForKey(SiemTopology.STORE, sessionId, Serdes.String().serializer());
    if (md == null || KeyQueryMetadata.NOT_AVAILABLE.equals(md) || md.activeHost() == null
        || md.activeHost().port() < 0) {
      return new Unavailable("no instance holds the session's partition yet (rebalancing)");
    }
    HostInfo active = md.activeHost();
    return active.equals(self.get()) ? new Local() : new Remote(active.host(), active.port());
  }

  @Override
  public Optional<MergedVerdict> local(String sessionId) {
    KafkaStreams s = streams.get();
    if (s == null) {
      throw new IllegalStateException("the store is not open (streams not started)");
    }
    try {
      ReadOnlyKeyValueStore<String, MergedVerdict> store = s.store(StoreQueryParameters.fromNameAndType(
          SiemTopology.STORE, QueryableStoreTypes.<String, MergedVerdict>keyValueStore()));
      return Optional.ofNullable(store.get(sessionId));
    } catch (InvalidStateStoreException e) {
      throw new IllegalStateException("the store cannot be read now (" + e.getMessage() + ")", e);
    }
  }

  @Override
  public String self() {
    HostInfo h = self.get();
    return h.host() + ":" + h.port();
  }
}
