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
  void aStoreThatCannotAnswerNowIsATransientFailureOfThatPartition() {
    RecordingStores failing = new RecordingStores(List.of(new RecordingStore() {
      @Override
      public String scheme() {
        return "file";
      }

      @Override
      public StoredObject open(RecordingLocation location) throws StoreException {
        throw StoreException.transientFailure("simulated outage", null);
      }
    }));
    RecordingRefHandler handler = new RecordingRefHandler(DecoderConfig.from(config()), failing,
        new DecoderMetrics(new SimpleMeterRegistry()), Topics.TELEPORT_RECORDINGS.valueSerde(), new byte[0]);
    assertThatThrownBy(() -> handler.handle(batch(ref("s", "file:///records/s.tar"))))
        .isInstanceOfSatisfying(TransientFailure.class, e ->
            assertThat(e.partition().partition()).isEqualTo(3));
  }

  private RecordingRefHandler handler(Path root) {
    DecoderConfig config = DecoderConfig.from(config());
    return new RecordingRefHandler(config, new RecordingStores(List.of(new FileRecordingStore(List.of(root)))),
        new DecoderMetrics(new SimpleMeterRegistry()), Topics.TELEPORT_RECORDINGS.valueSerde(), new byte[0]);
  }

  private static ServiceConfig config() {
    return ServiceConfig.of(Map.of("kafka.bootstrap.servers", "unused:9092"));
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
