package dev.whodrove.decoder;

import dev.whodrove.runtime.KafkaWorker;
import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.Readiness;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.RecordingEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Consumes {@code teleport.recordings} and publishes each referenced recording's events to
 * {@code teleport.recording.events} ({@link RecordingRefHandler}), on the shared {@link KafkaWorker}: everything
 * produced for a reference, its dead letter if any, and the consumer offset past it commit in one Kafka transaction,
 * so {@code read_committed} readers never see half a recording and a redelivered reference yields the same events
 * again. A transient failure of one recording (a slow or failing object, refused access) pauses its partition with
 * exponential backoff and retries the same reference within its retry budget, then dead-letters it with the
 * attempts and the last error; a store that cannot be reached at all, or the broker, is retried until it works.
 */
public final class RecordingDecoderService implements ManagedService {
  public static final String NAME = "recording-decoder";
  private static final TopicSpec<RecordingEvent> OUTPUT = Topics.TELEPORT_RECORDING_EVENTS;

  private final ServiceContext ctx;
  private final DecoderConfig config;
  private final RecordingStores stores;
  private final DecoderMetrics metrics;
  private KafkaWorker worker;

  public RecordingDecoderService(ServiceContext ctx) {
    this(ctx, storesFrom(DecoderConfig.from(ctx.config())));
  }

  /** With explicit stores (tests, the embedded launcher). */
  public RecordingDecoderService(ServiceContext ctx, RecordingStores stores) {
    this.ctx = ctx;
    this.config = DecoderConfig.from(ctx.config());
    this.stores = stores;
    this.metrics = new DecoderMetrics(ctx.metrics());
  }

  /**
   * The stores the configuration names: files under decoder.store.file.roots, S3 buckets in decoder.store.s3.allow,
   * Cloud Storage buckets in decoder.store.gcs.allow.
   */
  public static RecordingStores storesFrom(DecoderConfig config) {
    List<RecordingStore> list = new ArrayList<>();
    list.add(new FileRecordingStore(config.fileRoots()));
    if (!config.s3Allowed().isEmpty()) {
      list.add(new S3RecordingStore(S3RecordingStore.client(config.s3()), config.s3Allowed()));
    }
    if (!config.gcs().allowed().isEmpty()) {
      list.add(new GcsRecordingStore(GcsRecordingStore.client(config.gcs()), config.gcs().allowed(),
          config.gcs().deadline()));
    }
    return new RecordingStores(list);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<TopicSpec<?>> ownedTopics() {
    return List.of(OUTPUT, Topics.deadLetterOf(Topics.TELEPORT_RECORDINGS));
  }

  @Override
  public void start() {
    var serdeConfig = ctx.config().serdeProperties();
    ProtobufSerde<RecordingEvent> eventSerde = OUTPUT.valueSerde(serdeConfig);
    byte[] valuePrefix = eventSerde.serialize(OUTPUT.name(), RecordingEvent.getDefaultInstance());
    RecordingRefHandler handler = new RecordingRefHandler(config, stores, metrics,
        Topics.TELEPORT_RECORDINGS.valueSerde(serdeConfig), valuePrefix);
    KafkaWorker.Settings settings = new KafkaWorker.Settings(NAME, Topics.TELEPORT_RECORDINGS.name(), config.groupId())
        .transactional(config.transactionalId(), config.transactionTimeout())
        .maxPollRecords(config.maxPollRecords())
        .retryBackoff(config.retryInitial(), config.retryMax())
        .retryBudget(config.retryBudget())
        .producerDefault(ProducerConfig.LINGER_MS_CONFIG, 10)
        .producerDefault(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024)
        .producerDefault(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    worker = new KafkaWorker(settings, handler, ctx);
    worker.start();
  }

  @Override
  public Readiness readiness() {
    return worker == null ? Readiness.notReady("not started") : worker.readiness();
  }

  @Override
  public void stop(Duration timeout) {
    if (worker != null) {
      worker.stop(timeout);
    }
    stores.close();
  }
}
