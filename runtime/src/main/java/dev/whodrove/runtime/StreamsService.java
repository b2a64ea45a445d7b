package dev.whodrove.runtime;

import dev.whodrove.schemas.TopicDefinition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts any Kafka Streams topology as a {@link ManagedService}: exactly-once v2, dead letters per input topic, ready
 * only while RUNNING, Streams metrics in the registry, the consumers' {@link InputLag} in the processors' app config.
 */
public final class StreamsService implements ManagedService {
  private static final Logger log = LoggerFactory.getLogger(StreamsService.class);
  /** Streams application id; a new classifier version gets a new one. */
  public static final String APPLICATION_ID = "application.id";
  /** Directory for state stores. */
  public static final String STATE_DIR = "state.dir";
  /** Deprecated in Kafka Streams 4.x (on by default and gone in 5.0), hence spelled out. */
  private static final String GLOBAL_PROCESSING_HANDLER = "processing.exception.handler.global.enabled";

  private final ServiceContext ctx;
  private final Topology topology;
  private final String applicationId;
  private final List<? extends TopicDefinition> ownedTopics;
  private volatile KafkaStreams streams;
  private ClientMetrics metrics;

  public StreamsService(ServiceContext ctx, Topology topology, String applicationId,
      List<? extends TopicDefinition> ownedTopics) {
    this.ctx = ctx;
    this.topology = topology;
    this.applicationId = applicationId;
    this.ownedTopics = ownedTopics;
  }

  /** Streams properties every whodrove Streams app uses; {@code kafka.*} config overrides them. */
  public static Properties streamsProperties(ServiceConfig cfg, String serviceName, String applicationId) {
    Properties p = new Properties();
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        StreamsDeadLetterHandlers.Deserialization.class.getName());
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        StreamsDeadLetterHandlers.Processing.class.getName());
    // No whodrove topology has a global store or table, so this changes no processing. Kafka Streams 4.x warns for
    // every StreamsConfig it builds with it off: the application's, and the one its partition assignor builds from
    // the main consumer's config, hence the main.consumer. copy (5.0 turns it on and drops it).
    p.put(GLOBAL_PROCESSING_HANDLER, "true");
    p.put(StreamsConfig.mainConsumerPrefix(GLOBAL_PROCESSING_HANDLER), "true");
    p.put(StreamsDeadLetterHandlers.SERVICE_NAME_CONFIG, serviceName);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200");
    // Never hold a task back waiting for one of its inputs to have data: no whodrove processor needs its inputs
    // interleaved by timestamp (the featurizer joins recording and audit events arriving in any order), and waiting
    // stalls a task whose other input is empty, which is the normal case for audit events.
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "-1");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG),
        Integer.toString(TransactionalProducers.RETRY_BACKOFF_MS));
    // Streams' own topics (changelogs, repartition topics) are replicated like the topics the services create
    if (cfg.has(ServiceHost.TOPICS_REPLICATION_FACTOR)) {
      p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, cfg.getInt(ServiceHost.TOPICS_REPLICATION_FACTOR, -1));
    }
    if (cfg.has(ServiceHost.TOPICS_MIN_INSYNC_REPLICAS)) {
      p.put(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG),
          Integer.toString(cfg.getInt(ServiceHost.TOPICS_MIN_INSYNC_REPLICAS, 1)));
    }
    p.putAll(cfg.kafkaClientProperties());
    p.putAll(cfg.serdeProperties()); // read by the dead-letter handlers' serde
    // record size limits from one place: the producer's requests, Streams' own topics, the dead letters
    MessageLimits limits = MessageLimits.from(cfg);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), limits.maxMessageBytes());
    p.put(StreamsConfig.topicPrefix(TopicConfig.MAX_MESSAGE_BYTES_CONFIG), Integer.toString(limits.maxMessageBytes()));
    p.put(StreamsDeadLetterHandlers.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(limits.maxMessageBytes()));
    p.put(StreamsDeadLetterHandlers.MAX_ORIGINAL_BYTES_CONFIG, Integer.toString(limits.deadLetterMaxOriginalBytes()));
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    if (cfg.has(STATE_DIR)) {
      p.put(StreamsConfig.STATE_DIR_CONFIG, cfg.get(STATE_DIR, null));
    }
    return p;
  }

  @Override
  public String name() {
    return ctx.serviceName();
  }

  @Override
  public List<? extends TopicDefinition> ownedTopics() {
    return ownedTopics;
  }

  @Override
  public void start() {
    Properties props = streamsProperties(ctx.config(), ctx.serviceName(), applicationId);
    props.put(StreamsDeadLetterHandlers.METRICS_CONFIG, ctx.metrics()); // the handlers count their dead letters
    ConsumerRecordsLag inputLag = new ConsumerRecordsLag();
    props.put(InputLag.CONFIG, inputLag);
    streams = new KafkaStreams(topology, props);
    inputLag.bind(streams);
    streams.setUncaughtExceptionHandler(e -> {
      log.error("{}: stream thread died, replacing it: {}", name(), e.toString(), e);
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
          .REPLACE_THREAD;
    });
    metrics = ClientMetrics.bind(ctx.metrics(), streams);
    streams.start();
  }

  /** The running Streams instance (for interactive queries and tests). */
  public KafkaStreams streams() {
    return streams;
  }

  @Override
  public Readiness readiness() {
    KafkaStreams s = streams;
    if (s == null) {
      return Readiness.notReady("not started");
    }
    KafkaStreams.State state = s.state();
    return state == KafkaStreams.State.RUNNING ? Readiness.ready("streams RUNNING")
        : Readiness.notReady("streams " + state);
  }

  @Override
  public void stop(Duration timeout) {
    KafkaStreams s = streams;
    if (s != null) {
      // leave the group: a restarted instance (a deploy) gets its tasks at once instead of after the session timeout
      s.close(org.apache.kafka.streams.CloseOptions.timeout(timeout)
          .withGroupMembershipOperation(org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }
    if (metrics != null) {
      metrics.close();
    }
  }

  /** For tests and diagnostics: the effective Streams config. */
  public Map<Object, Object> effectiveProperties() {
    return Map.copyOf(streamsProperties(ctx.config(), ctx.serviceName(), applicationId));
  }
}
