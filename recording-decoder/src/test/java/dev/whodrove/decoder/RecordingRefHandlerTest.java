package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.TransientFailure;
import dev.whodrove.runtime.WorkerBatch;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.sim.ProtoStreamWriter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decoder's handler without a broker: references in, events and dead letters out. */
class RecordingRefHandlerTest {
  @TempDir Path dir;

  private final List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();

  @Test
  void aGoodRecordingBecomesItsEventsAndABadOneADeadLetterAndAComplete() throws Exception {
    Files.write(dir.resolve("good.tar"), TestEvents.write(TestEvents.session(20, 1),
        ProtoStreamWriter.Options.defaults()));
    Files.write(dir.resolve("bad.tar"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
    WorkerBatch batch = batch(ref("good", "file://" + dir.resolve("good.tar")),
        ref("bad", "file://" + dir.resolve("bad.tar")), ref("missing", "file://" + dir.resolve("none.tar")));

    handler(dir).handle(batch);

    List<RecordingEvent> good = events("good");
    assertThat(good).extracting(RecordingEvent::getType).endsWith("recording.complete");
    assertThat(good.get(good.size() - 1).getComplete().getParseError()).isEmpty();
    assertThat(events("bad")).singleElement().satisfies(e ->
        assertThat(e.getComplete().getParseError()).isNotEmpty());
    assertThat(events("missing")).singleElement().satisfies(e ->
        assertThat(e.getComplete().getParseError()).startsWith("recording not found"));
    List<DeadLetter> dead = sent.stream().filter(r -> r.topic().equals("teleport.recordings.dlq"))
        .map(r -> parse(r.value())).toList();
    assertThat(dead).extracting(DeadLetter::getSourceOffset).containsExactly(1L, 2L);
  }

  @Test
  void aLargeRecordingDecodedPartByPartPublishesTheSameRecordsAndAFailedOneTheSameDeadLetter() throws Exception {
    byte[] rec = TestEvents.write(TestEvents.sessionWithOutput(5_000, 4), new ProtoStreamWriter.Options(32 * 1024, 0,
        1));
    Files.write(dir.resolve("big.tar"), rec);
    Files.write(dir.resolve("cut.tar"), java.util.Arrays.copyOf(rec, rec.length / 2));
    RecordingRef[] refs = {ref("big", "file://" + dir.resolve("big.tar")), ref("cut", "file://"
        + dir.resolve("cut.tar"))};
    handler(dir, Map.of("decoder.parts.threads", "1")).handle(batch(refs));
    List<ProducerRecord<byte[], byte[]>> oneThread = new ArrayList<>(sent);
    sent.clear();
    handler(dir, Map.of("decoder.parts.threads", "3", "decoder.parts.min.bytes", "1024")).handle(batch(refs));

    assertThat(events("big")).hasSizeGreaterThan(5);
    assertThat(sent).hasSameSizeAs(oneThread);
    for (int i = 0; i < sent.size(); i++) {
      assertThat(sent.get(i).topic()).isEqualTo(oneThread.get(i).topic());
      assertThat(sent.get(i).key()).isEqualTo(oneThread.get(i).key());
      if (!sent.get(i).topic().endsWith(".dlq")) { // a dead letter stamps the time it was written
        assertThat(sent.get(i).value()).as("record %d", i).isEqualTo(oneThread.get(i).value());
      }
    }
    assertThat(sent.stream().filter(r -> r.topic().endsWith(".dlq")).map(r -> parse(r.value()).getReason()))
        .containsExactlyElementsOf(oneThread.stream().filter(r -> r.topic().endsWith(".dlq"))
            .map(r -> parse(r.value()).getReason()).toList());
  }

  @Test
  void anObjectThatCannotBeReadNowIsATransientFailureOfThatReference() {
    assertThatThrownBy(() -> handler(failingOpen(StoreException.transientFailure("S3 503 for s3://b/s.tar", null)))
        .handle(batch(ref("s", "file:///records/s.tar"))))
        .isInstanceOfSatisfying(TransientFailure.class, e -> {
          assertThat(e.blame()).isEqualTo(TransientFailure.Blame.RECORD);
          assertThat(e.partition().partition()).isEqualTo(3);
          assertThat(e.offset()).isZero();
          assertThat(e).hasMessageContaining("S3 503");
        });
  }

  @Test
  void refusedAccessIsRetriedForLongerAndAnUnreachableStoreIsTheEnvironments() {
    assertThatThrownBy(() -> handler(failingOpen(StoreException.accessDenied("access denied to s3://b/s.tar: S3 403"
        + " AccessDenied", null))).handle(batch(ref("s", "file:///records/s.tar"))))
        .isInstanceOfSatisfying(TransientFailure.class, e ->
            assertThat(e.blame()).isEqualTo(TransientFailure.Blame.AUTH));
    assertThatThrownBy(() -> handler(failingOpen(StoreException.unreachable("cannot reach S3 for s3://b/s.tar", null)))
        .handle(batch(ref("s", "file:///records/s.tar"))))
        .isInstanceOfSatisfying(TransientFailure.class, e -> {
          assertThat(e.blame()).isEqualTo(TransientFailure.Blame.ENVIRONMENT);
          assertThat(e.partition()).isNull();
        });
  }

  @Test
  void aBodyThatStallsIsCutAtTheReadTimeoutAsAFailureOfThatReference() {
    StallingStream body = new StallingStream(new byte[0]);
    RecordingRefHandler handler = handler(opening(body), Map.of(DecoderConfig.READ_TIMEOUT, "300ms"));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> handler.handle(batch(ref("s", "file:///records/s.tar"))))
        .isInstanceOfSatisfying(TransientFailure.class, e -> {
          assertThat(e.blame()).isEqualTo(TransientFailure.Blame.RECORD);
          assertThat(e).hasMessageContaining("took longer than the read timeout of 300ms (decoder.store.read.timeout)");
        });
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(body.closed).isTrue();
    assertThat(sent).isEmpty();
  }

  @Test
  void aDecodeStillRunningNearTheTransactionTimeoutIsAbortedAsAFailureOfThatReference() {
    // a recording that keeps coming, slowly: the read timeout would allow it, the transaction would not
    StringBuilder cast = new StringBuilder("{\"version\": 2, \"width\": 80, \"height\": 24}\n");
    for (int i = 0; i < 200; i++) {
      cast.append("[").append(i * 0.1).append(", \"o\", \"line ").append(i).append("\\r\\n\"]\n");
    }
    TricklingStream body = new TricklingStream(cast.toString().getBytes(StandardCharsets.UTF_8), 40, 20);
    RecordingRefHandler handler = handler(opening(body), Map.of(DecoderConfig.TRANSACTION_TIMEOUT, "1s",
        DecoderConfig.TRANSACTION_DEADLINE_FRACTION, "0.5"));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> handler.handle(batch(ref("s", "file:///records/s.tar"))))
        .isInstanceOfSatisfying(TransientFailure.class, e -> {
          assertThat(e.blame()).isEqualTo(TransientFailure.Blame.RECORD);
          assertThat(e).hasMessageContaining("took longer than 0.5 of the transaction timeout of 1s "
              + "(decoder.transaction.deadline.fraction)");
        });
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(400), Duration.ofSeconds(3));
  }

  /** A stream whose reads block until it is closed (a body that stopped arriving). */
  private static final class StallingStream extends java.io.InputStream {
    private final java.util.concurrent.CountDownLatch closedLatch = new java.util.concurrent.CountDownLatch(1);
    volatile boolean closed;

    StallingStream(byte[] ignored) {}

    @Override
    public int read() throws java.io.IOException {
      try {
        closedLatch.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new java.io.IOException("stream closed");
    }

    @Override
    public void close() {
      closed = true;
      closedLatch.countDown();
    }
  }

  /** A stream that hands out {@code chunk} bytes every {@code pauseMillis}. */
  private static final class TricklingStream extends java.io.ByteArrayInputStream {
    private final int chunk;
    private final long pauseMillis;

    TricklingStream(byte[] bytes, int chunk, long pauseMillis) {
      super(bytes);
      this.chunk = chunk;
      this.pauseMillis = pauseMillis;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      try {
        Thread.sleep(pauseMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return super.read(b, off, Math.min(len, chunk));
    }

    @Override
    public synchronized int available() {
      return 0; // like a socket with nothing buffered: a reader takes what came and decodes it
    }
  }

  private static RecordingStores failingOpen(StoreException failure) {
    return stores(location -> {
      throw failure;
    });
  }

  private static RecordingStores opening(java.io.InputStream body) {
    return stores(location -> new StoredObject(body, -1, "v1"));
  }

  /** What opening an object does, for a store made up in a test. */
  private interface Opener {
    StoredObject open(RecordingLocation location) throws StoreException;
  }

  private static RecordingStores stores(Opener store) {
    return new RecordingStores(List.of(new RecordingStore() {
      @Override
      public String scheme() {
        return "file";
      }

      @Override
      public StoredObject open(RecordingLocation location) throws StoreException {
        return store.open(location);
      }
    }));
  }

  private RecordingRefHandler handler(Path root) {
    return handler(root, Map.of());
  }

  private RecordingRefHandler handler(Path root, Map<String, String> extra) {
    return handler(new RecordingStores(List.of(new FileRecordingStore(List.of(root)))), extra);
  }

  private static RecordingRefHandler handler(RecordingStores stores) {
    return handler(stores, Map.of());
  }

  private static RecordingRefHandler handler(RecordingStores stores, Map<String, String> extra) {
    Map<String, String> cfg = new java.util.HashMap<>(Map.of("kafka.bootstrap.servers", "unused:9092"));
    cfg.putAll(extra);
    return new RecordingRefHandler(DecoderConfig.from(ServiceConfig.of(cfg)), stores,
        new DecoderMetrics(new SimpleMeterRegistry()), Topics.TELEPORT_RECORDINGS.valueSerde(), new byte[0]);
  }

  private WorkerBatch batch(RecordingRef... refs) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (RecordingRef r : refs) {
      records.add(new ConsumerRecord<>("teleport.recordings", 3, records.size(),
          r.getSessionId().getBytes(StandardCharsets.UTF_8), r.toByteArray()));
    }
    return WorkerBatch.collecting(records, sent, RecordingDecoderService.NAME);
  }

  private static RecordingRef ref(String sid, String uri) {
    return RecordingRef.newBuilder().setSessionId(sid).setUri(uri).build();
  }

  private List<RecordingEvent> events(String sid) {
    return sent.stream().filter(r -> r.topic().equals("teleport.recording.events")
            && new String(r.key(), StandardCharsets.UTF_8).equals(sid))
        .map(r -> {
          try {
            return RecordingEvent.parseFrom(r.value());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }).toList();
  }

  private static DeadLetter parse(byte[] value) {
    try {
      return DeadLetter.parseFrom(value);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
