package dev.whodrove.decoder;

import dev.whodrove.runtime.DeadLetters;
import dev.whodrove.runtime.KafkaProbe;
import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.Readiness;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.TransactionalProducers;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.RecordingComplete;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.RecordingRef;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Consumes {@code teleport.recordings}, decodes each referenced recording and publishes its events, then one
 * RecordingComplete, to {@code teleport.recording.events} keyed by session id. Everything produced for one
 * reference and the consumer offset past it are committed in one Kafka transaction, so {@code read_committed}
 * readers never see half a recording, and a redelivered reference yields the same events again.
 *
 * <p>Bad recordings (corrupt, unsupported, refused, missing) still get their RecordingComplete, with
 * {@code parse_error}, plus a dead letter on {@code teleport.recordings.dlq} in the same transaction. Transient
 * store or broker failures abort the transaction, pause the partition with exponential backoff and retry the same
 * reference: nothing is dropped.
 */
public final class RecordingDecoderService implements ManagedService {
  public static final String NAME = "recording-decoder";
  private static final Logger log = LoggerFactory.getLogger(RecordingDecoderService.class);
  private static final TopicSpec<RecordingRef> INPUT = Topics.TELEPORT_RECORDINGS;
  private static final TopicSpec<RecordingEvent> OUTPUT = Topics.TELEPORT_RECORDING_EVENTS;

  private final ServiceContext ctx;
  private final DecoderConfig config;
  private final RecordingStores stores;
  private final RecordingDecoder decoder;
  private final DecoderMetrics metrics;
  private final ProtobufSerde<RecordingRef> refSerde;
  private final ProtobufSerde<RecordingEvent> eventSerde;
  private final DeadLetters deadLetters;
  private final KafkaProbe probe;
  private final Map<TopicPartition, Backoff> backoffs = new HashMap<>();

  private KafkaConsumer<String, byte[]> consumer;
  private KafkaProducer<byte[], byte[]> producer;
  private byte[] valuePrefix;
  private String keyFor;
  private byte[] keyBytes;
  private Thread worker;
  private volatile boolean running;
  private volatile boolean abortInFlight;
  private volatile String fatal;

  public RecordingDecoderService(ServiceContext ctx) {
    this(ctx, storesFrom(DecoderConfig.from(ctx.config())));
  }

  /** With explicit stores (tests, the embedded launcher). */
  public RecordingDecoderService(ServiceContext ctx, RecordingStores stores) {
    this.ctx = ctx;
    this.config = DecoderConfig.from(ctx.config());
    this.stores = stores;
    this.decoder = new RecordingDecoder(config.decode());
    this.metrics = new DecoderMetrics(ctx.metrics());
    Map<String, Object> clientProps = ctx.config().kafkaClientProperties();
    this.refSerde = INPUT.valueSerde(clientProps);
    this.eventSerde = OUTPUT.valueSerde(clientProps);
    this.deadLetters = new DeadLetters(NAME, clientProps);
    this.probe = new KafkaProbe(ctx.config());
  }

  /** The stores the configuration names: files under store.file.roots, S3 buckets in store.s3.allow. */
  public static RecordingStores storesFrom(DecoderConfig config) {
    List<RecordingStore> list = new ArrayList<>();
    list.add(new FileRecordingStore(config.fileRoots()));
    if (!config.s3Allowed().isEmpty()) {
      list.add(new S3RecordingStore(S3RecordingStore.client(config.s3()), config.s3Allowed()));
    }
    return new RecordingStores(list);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<TopicSpec<?>> ownedTopics() {
    return List.of(OUTPUT, Topics.deadLetterOf(INPUT));
  }

  @Override
  public void start() {
    Map<String, Object> base = ctx.config().kafkaClientProperties();
    producer = new KafkaProducer<>(producerProps(base));
    producer.initTransactions();
    // with a registry, the framing (magic byte, schema id, message index) is the same for every event: compute once
    valuePrefix = eventSerde.serialize(OUTPUT.name(), RecordingEvent.getDefaultInstance());
    consumer = new KafkaConsumer<>(consumerProps(base));
    new KafkaClientMetrics(consumer).bindTo(ctx.metrics());
    running = true;
    worker = new Thread(this::run, NAME + "-worker");
    worker.start();
  }

  private Map<String, Object> producerProps(Map<String, Object> base) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, TransactionalProducers.RETRY_BACKOFF_MS);
    p.putAll(base);
    for (String k : List.of(ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "schema.registry.url", "basic.auth.user.info",
        "auto.register.schemas")) {
      p.remove(k);
    }
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) config.transactionTimeout().toMillis());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return p;
  }

  private Map<String, Object> consumerProps(Map<String, Object> base) {
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) config.transactionTimeout().toMillis());
    c.putAll(base);
    for (String k : List.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
        ProducerConfig.LINGER_MS_CONFIG, ProducerConfig.BATCH_SIZE_CONFIG, ProducerConfig.COMPRESSION_TYPE_CONFIG,
        ProducerConfig.ACKS_CONFIG, "schema.registry.url", "basic.auth.user.info", "auto.register.schemas")) {
      c.remove(k);
    }
    c.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords());
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return c;
  }

  @Override
  public Readiness readiness() {
    if (fatal != null) {
      return Readiness.notReady(fatal);
    }
    if (worker == null || !worker.isAlive()) {
      return Readiness.notReady("worker not running");
    }
    return probe.check();
  }

  @Override
  public void stop(Duration timeout) {
    running = false;
    if (consumer != null) {
      consumer.wakeup();
    }
    if (worker != null) {
      try {
        worker.join(Math.max(1, timeout.toMillis() - 1000));
        if (worker.isAlive()) {
          abortInFlight = true; // a long recording: abort its transaction, it is redelivered later
          worker.join(1000);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    probe.close();
    stores.close();
  }

  // ---- the consume-decode-produce loop ----

  private enum Outcome { DONE, RETRY, STOPPED }

  private void run() {
    try {
      consumer.subscribe(List.of(INPUT.name()), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
          partitions.forEach(backoffs::remove);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
      });
      while (running) {
        resumeDuePartitions();
        ConsumerRecords<String, byte[]> records;
        try {
          records = consumer.poll(Duration.ofMillis(200));
        } catch (WakeupException e) {
          break;
        }
        long polledAt = System.nanoTime();
        for (TopicPartition tp : records.partitions()) {
          List<ConsumerRecord<String, byte[]>> batch = records.records(tp);
          Outcome o = running ? processBatch(tp, batch, polledAt) : Outcome.STOPPED;
          if (o == Outcome.DONE) {
            backoffs.remove(tp);
            continue;
          }
          if (o == Outcome.RETRY) {
            Backoff b = backoffs.computeIfAbsent(tp, k -> new Backoff(config.retryInitial()));
            b.schedule(config.retryMax());
            consumer.pause(List.of(tp));
          }
        }
      }
    } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
      fatal = "producer cannot continue: " + DeadLetters.reasonOf(e);
      log.error("{}: {}", NAME, fatal, e);
    } catch (RuntimeException e) {
      fatal = "worker failed: " + DeadLetters.reasonOf(e);
      log.error("{}: {}", NAME, fatal, e);
    } finally {
      closeClients();
    }
  }

  private void resumeDuePartitions() {
    long now = System.nanoTime();
    List<TopicPartition> due = new ArrayList<>();
    backoffs.forEach((tp, b) -> {
      if (b.due(now) && consumer.paused().contains(tp)) {
        due.add(tp);
      }
    });
    if (!due.isEmpty()) {
      consumer.resume(due);
    }
  }

  /** What one decoded reference adds to the metrics once its transaction commits. */
  private record Done(boolean ok, long objectBytes, long events, Duration took) {}

  /**
   * Decodes the references of one poll from one partition. Each transaction holds whole recordings plus the input
   * offset past them, so a consumer never sees part of a recording; it is committed at the first recording boundary
   * after {@code transaction.commit.after} (and at the end of the batch), so one commit serves many small recordings
   * while downstream still sees a long backlog arrive steadily. A transient failure aborts the open transaction; its
   * references are decoded again (deterministically) after the backoff. On anything but DONE the partition is left
   * positioned at the first reference not committed.
   */
  private Outcome processBatch(TopicPartition tp, List<ConsumerRecord<String, byte[]>> batch, long polledAt) {
    List<Done> done = new ArrayList<>();
    int from = 0; // first reference of the open transaction
    long budget = config.transactionTimeout().toNanos() / 2; // what one poll may spend before polling again
    try {
      producer.beginTransaction();
      long txStarted = System.nanoTime();
      for (int i = 0; i < batch.size(); i++) {
        if (!running) {
          abortQuietly();
          consumer.seek(tp, batch.get(from).offset());
          return Outcome.STOPPED;
        }
        Done d = process(batch.get(i));
        if (d == null) {
          abortQuietly();
          consumer.seek(tp, batch.get(from).offset());
          metrics.retry();
          return Outcome.RETRY;
        }
        done.add(d);
        long now = System.nanoTime();
        boolean last = i == batch.size() - 1;
        if (last || now - txStarted >= config.commitAfter().toNanos()) {
          producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(batch.get(i).offset() + 1)),
              consumer.groupMetadata());
          producer.commitTransaction();
          done.forEach(x -> metrics.committed(x.ok(), x.objectBytes(), x.events(), x.took()));
          done.clear();
          from = i + 1;
          if (!last && now - polledAt > budget) {
            consumer.seek(tp, batch.get(from).offset()); // the rest comes with the next poll
            return Outcome.DONE;
          }
          if (!last) {
            producer.beginTransaction();
            txStarted = System.nanoTime();
          }
        }
      }
      return Outcome.DONE;
    } catch (Aborted e) {
      abortQuietly();
      consumer.seek(tp, batch.get(from).offset());
      return Outcome.STOPPED;
    } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
      throw e;
    } catch (KafkaException e) {
      log.warn("{}: transaction for {} references failed, will retry: {}", NAME, batch.size() - from,
          DeadLetters.reasonOf(e));
      abortQuietly();
      consumer.seek(tp, batch.get(from).offset());
      metrics.retry();
      return Outcome.RETRY;
    }
  }

  /** Decodes one reference into the open transaction; null = transient failure, retry the batch. */
  private Done process(ConsumerRecord<String, byte[]> rec) {
    long started = System.nanoTime();
    RecordingRef ref = null;
    String refError = null;
    try {
      ref = refSerde.deserialize(rec.topic(), rec.value());
      if (ref == null) {
        refError = "empty RecordingRef value";
      }
    } catch (RuntimeException e) {
      refError = "undecodable RecordingRef: " + DeadLetters.reasonOf(e);
    }
    String sid = ref != null && !ref.getSessionId().isEmpty() ? ref.getSessionId()
        : rec.key() == null ? "" : rec.key();
    String uri = ref == null ? "" : ref.getUri();
    long[] emitted = {0};
    {
      String failure = refError;
      String reason = refError == null ? null : "bad-ref";
      Throwable cause = null;
      long objectBytes = 0;
      if (ref != null && refError == null) {
        try (StoredObject object = stores.open(uri)) {
          RecordingDecoder.Result r = decoder.decodeSerialized(object.stream(), sid, uri, object.size(),
              (buf, off, len) -> {
                if (abortInFlight) {
                  throw new Aborted();
                }
                send(sid, buf, off, len);
                emitted[0]++;
              });
          objectBytes = r.complete().getObjectSizeBytes();
          if (!r.ok()) {
            failure = "decode failed: " + r.error().getMessage();
            reason = r.error().reason();
            cause = r.error();
          }
        } catch (StoreException e) {
          if (e.isTransient()) {
            return retry(rec, e);
          }
          failure = e.getMessage();
          reason = e.reason();
          cause = e;
        } catch (IOException | SdkException e) {
          return retry(rec, e); // the stream broke mid-read: the same bytes will decode the same later
        }
      }
      if (failure != null) {
        if (emitted[0] == 0 && !sid.isEmpty()) {
          sendComplete(sid, uri, failure); // nothing was decoded: still close the recording for consumers
          emitted[0]++;
        }
        producer.send(deadLetters.forKafkaRecord(INPUT.deadLetterTopic(), rec.topic(), rec.partition(),
            rec.offset(), rec.key() == null ? null : rec.key().getBytes(StandardCharsets.UTF_8), rec.value(),
            failure, cause));
        metrics.error(reason);
        log.warn("{}: {} -> dead letter: {}", NAME, sid.isEmpty() ? rec.topic() + "@" + rec.offset() : sid, failure);
      }
      return new Done(failure == null, objectBytes, emitted[0], Duration.ofNanos(System.nanoTime() - started));
    }
  }

  private Done retry(ConsumerRecord<String, byte[]> rec, Exception e) {
    log.warn("{}: {}@{} transient failure, will retry: {}", NAME, rec.topic(), rec.offset(), DeadLetters.reasonOf(e));
    return null;
  }

  private void send(String sid, byte[] buf, int off, int len) {
    if (!sid.equals(keyFor)) {
      keyFor = sid;
      keyBytes = sid.getBytes(StandardCharsets.UTF_8); // what StringSerializer writes
    }
    byte[] value = new byte[valuePrefix.length + len];
    System.arraycopy(valuePrefix, 0, value, 0, valuePrefix.length);
    System.arraycopy(buf, off, value, valuePrefix.length, len);
    producer.send(new ProducerRecord<>(OUTPUT.name(), keyBytes, value));
  }

  private void sendComplete(String sid, String uri, String error) {
    RecordingEvent complete = RecordingEvent.newBuilder()
        .setSessionId(sid).setIndex(0).setType("recording.complete").setRecordingUri(uri)
        .setComplete(RecordingComplete.newBuilder().setParseError(error)).build();
    byte[] bytes = complete.toByteArray();
    send(sid, bytes, 0, bytes.length);
  }

  private void abortQuietly() {
    try {
      producer.abortTransaction();
    } catch (ProducerFencedException e) {
      throw e;
    } catch (KafkaException e) {
      log.debug("abort failed", e);
    }
  }

  private void closeClients() {
    try {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    } catch (RuntimeException e) {
      log.debug("consumer close", e);
    }
    try {
      producer.close(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      log.debug("producer close", e);
    }
  }

  /** Thrown from the event sink when a stop can no longer wait for the recording in flight. */
  private static final class Aborted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Aborted() {
      super("aborted for shutdown", null, false, false);
    }
  }

  /** Exponential backoff per partition. */
  private static final class Backoff {
    private final Duration initial;
    private Duration next;
    private long dueAt;

    Backoff(Duration initial) {
      this.initial = initial;
      this.next = initial;
    }

    void schedule(Duration max) {
      dueAt = System.nanoTime() + next.toNanos();
      Duration doubled = next.multipliedBy(2);
      next = doubled.compareTo(max) > 0 ? max : doubled;
    }

    boolean due(long now) {
      return now - dueAt >= 0;
    }

    @Override
    public String toString() {
      return "backoff " + initial + "→" + next;
    }
  }
}
