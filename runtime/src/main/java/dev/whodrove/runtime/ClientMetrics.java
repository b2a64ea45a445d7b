package dev.whodrove.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The Kafka client's own metrics (Micrometer's {@link KafkaClientMetrics}, {@link KafkaStreamsMetrics}) of one
 * producer, consumer, admin client or Streams instance, bound to a service's registry until closed: bind each client
 * a service keeps open right after creating it, and close the binding with the client.
 *
 * <pre>{@code
 * consumer = new KafkaConsumer<>(props);
 * consumerMetrics = ClientMetrics.bind(ctx.metrics(), consumer);
 * ...
 * consumerMetrics.close();
 * consumer.close();
 * }</pre>
 */
public final class ClientMetrics implements AutoCloseable {
  private static final ClientMetrics NONE = new ClientMetrics(null);

  private final AutoCloseable binder;

  private ClientMetrics(AutoCloseable binder) {
    this.binder = binder;
  }

  /** Binds a producer's metrics ({@code kafka_producer_*}); a null registry binds nothing. */
  public static ClientMetrics bind(MeterRegistry registry, Producer<?, ?> producer) {
    return registry == null ? NONE : bound(new KafkaClientMetrics(producer), registry);
  }

  /** Binds a consumer's metrics ({@code kafka_consumer_*}, consumer lag included); a null registry binds nothing. */
  public static ClientMetrics bind(MeterRegistry registry, Consumer<?, ?> consumer) {
    return registry == null ? NONE : bound(new KafkaClientMetrics(consumer), registry);
  }

  /** Binds an admin client's metrics ({@code kafka_admin_client_*}); a null registry binds nothing. */
  public static ClientMetrics bind(MeterRegistry registry, Admin admin) {
    // Admin.create always returns an AdminClient; other implementations (test doubles) have nothing to bind
    return registry == null || !(admin instanceof AdminClient a) ? NONE
        : bound(new KafkaClientMetrics(a), registry);
  }

  /** Binds a Streams instance's metrics ({@code kafka_stream_*} and its clients'); a null registry binds nothing. */
  public static ClientMetrics bind(MeterRegistry registry, KafkaStreams streams) {
    return registry == null ? NONE : bound(new KafkaStreamsMetrics(streams), registry);
  }

  private static ClientMetrics bound(KafkaClientMetrics m, MeterRegistry registry) {
    m.bindTo(registry);
    return new ClientMetrics(m);
  }

  private static ClientMetrics bound(KafkaStreamsMetrics m, MeterRegistry registry) {
    m.bindTo(registry);
    return new ClientMetrics(m);
  }

  /** Removes the client's meters from the registry and stops refreshing them. */
  @Override
  public void close() {
    if (binder != null) {
      try {
        binder.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing Kafka client metrics failed", e);
      }
    }
  }
}
