package dev.whodrove.ingest.teleport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.ingest.teleport.SourceOutput.DeadLetterTarget;
import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import dev.whodrove.runtime.DeadLetters;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import dev.whodrove.testkit.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The producer path end to end against the embedded broker: keys, values, recording refs, de-dup, dead letters. */
@ExtendWith(EmbeddedKafkaExtension.class)
class TeleportPublisherIT {
  private static String key(ConsumerRecord<byte[], byte[]> r) {
    return r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
  }

  @Test
  void publishesEventsRecordingsAndDeadLettersWithBoundedInFlight(EmbeddedKafkaBroker broker) throws Exception {
    KafkaTestSupport.createTopics(broker);
    String run = UUID.randomUUID().toString().substring(0, 8);
    SourcePosition pos = SourcePosition.newBuilder().setSource("file").setLocator("/var/log/x-" + run + ".log")
        .setOffset(123).build();
    AuditEventParser parser = new AuditEventParser();
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    // in-flight bound of 2: the 200 sends below block on acknowledgements instead of queueing without limit
    try (TeleportPublisher pub = new TeleportPublisher("ingest-teleport", KafkaTestSupport.clientProps(broker), Map.of(), 2,
        new RecordingDeduplicator(Duration.ofMinutes(10), 1000, Clock.systemUTC()), metrics, Clock.systemUTC())) {
      String sid = "sid-" + run;
      List<CompletableFuture<?>> acks = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String json = "{\"event\":\"session.start\",\"uid\":\"" + run + "-" + i + "\",\"time\":\"2024-05-01T00:00:00Z\","
            + "\"sid\":\"" + (i % 2 == 0 ? sid : "") + "\"}";
        acks.add(pub.publishEvent(parser.parse(json, pos)));
      }
      String upload = "{\"event\":\"session.upload\",\"code\":\"T2005I\",\"time\":\"2024-05-01T00:00:01Z\","
          + "\"sid\":\"" + sid + "\",\"uid\":\"up-" + run + "\",\"url\":\"s3://bucket/records/" + sid + "\"}";
      acks.add(pub.publishEvent(parser.parse(upload, pos)));
      // the same recording, announced again by an S3 notification: de-duplicated
      CompletableFuture<Boolean> dup = pub.publishRecording(RecordingRef.newBuilder().setSessionId(sid)
          .setUri("s3://bucket/records/" + sid + ".tar").setOrigin("s3-notification").build());
      byte[] bad = ("not json " + run).getBytes(StandardCharsets.UTF_8);
      try {
        parser.parse(bad, pos);
      } catch (EventRejectedException r) {
        acks.add(pub.deadLetter(DeadLetterTarget.AUDIT_EVENTS, pos, bad, r));
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      assertThat(dup.get()).isFalse();
      assertThat(pub.inFlightPermitsAvailable()).isEqualTo(2);
    }

    List<ConsumerRecord<byte[], byte[]>> events = TopicReader.readCommitted(broker.bootstrapServers(),
        Topics.TELEPORT_AUDIT_EVENTS.name(), r -> {
          String k = key(r);
          return k != null && (k.equals("sid-" + run) || k.startsWith(run + "-"));
        }, l -> l.size() >= 201, Duration.ofSeconds(30));
    assertThat(events).hasSize(201);
    assertThat(events.stream().filter(r -> key(r).equals("sid-" + run))).hasSize(101);
    Set<Integer> partitionsOfSid = new java.util.HashSet<>();
    events.stream().filter(r -> key(r).equals("sid-" + run)).forEach(r -> partitionsOfSid.add(r.partition()));
    assertThat(partitionsOfSid).as("one session, one partition, in order").hasSize(1);
    TeleportAuditEvent last = TeleportAuditEvent.parseFrom(events.stream()
        .filter(r -> key(r).equals("sid-" + run)).reduce((a, b) -> b).orElseThrow().value());
    assertThat(last.getType()).isEqualTo("session.upload");
    assertThat(last.getSource()).isEqualTo(pos);

    List<ConsumerRecord<byte[], byte[]>> refs = TopicReader.readCommitted(broker.bootstrapServers(),
        Topics.TELEPORT_RECORDINGS.name(), r -> ("sid-" + run).equals(key(r)), l -> !l.isEmpty(),
        Duration.ofSeconds(10));
    assertThat(refs).hasSize(1);
    RecordingRef ref = RecordingRef.parseFrom(refs.get(0).value());
    assertThat(ref.getUri()).isEqualTo("s3://bucket/records/sid-" + run + ".tar");
    assertThat(ref.getOrigin()).isEqualTo("session.upload");

    List<ConsumerRecord<byte[], byte[]>> dlq = TopicReader.readCommitted(broker.bootstrapServers(),
        Topics.TELEPORT_AUDIT_EVENTS.deadLetterTopic(), r -> {
          try {
            return DeadLetter.parseFrom(r.value()).getOriginalValue().toStringUtf8().equals("not json " + run);
          } catch (Exception e) {
            return false;
          }
        }, l -> !l.isEmpty(), Duration.ofSeconds(10));
    assertThat(dlq).hasSize(1);
    DeadLetter dl = DeadLetter.parseFrom(dlq.get(0).value());
    assertThat(dl.getSource()).isEqualTo(pos);
    assertThat(dl.getService()).isEqualTo("ingest-teleport");
    assertThat(dl.getReason()).startsWith("not JSON");
    assertThat(new String(dlq.get(0).headers().lastHeader(DeadLetters.HEADER_SOURCE).value(), StandardCharsets.UTF_8))
        .isEqualTo("file:/var/log/x-" + run + ".log@123");
    assertThat(metrics.get("whodrove.ingest.teleport.rejected").tag("reason", "not_json").counter().count())
        .isEqualTo(1);
    assertThat(metrics.get("whodrove.ingest.teleport.recordings.duplicate").counter().count()).isEqualTo(1);
  }
}
