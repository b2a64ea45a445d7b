package dev.whodrove.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.SourcePosition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Dead letters are counted by topic and a short reason code, which never carries the record's own details. */
class DeadLetterCountTest {
  @Test
  void reasonCodesKeepTheKindOfFailureAndDropWhatNamesTheRecord() {
    assertThat(DeadLetters.reasonCode("not_json: Unrecognized token 'this'")).isEqualTo("not_json");
    assertThat(DeadLetters.reasonCode("too_large: line of 6008 bytes > max 4096")).isEqualTo("too_large");
    assertThat(DeadLetters.reasonCode("recording not found: /records/1d0b.tar")).isEqualTo("recording_not_found");
    assertThat(DeadLetters.reasonCode("decode failed: record size 0 at byte 24")).isEqualTo("decode_failed");
    assertThat(DeadLetters.reasonCode("processing failed in KSTREAM-MAPVALUES-0000000003: boom"))
        .isEqualTo("processing_failed_in_kstream");
    assertThat(DeadLetters.reasonCode("record 7 of session 1d0b… is broken")).isEqualTo("record");
    assertThat(DeadLetters.reasonCode("/etc/passwd")).isEqualTo("other");
    assertThat(DeadLetters.reasonCode("")).isEqualTo("other");
    assertThat(DeadLetters.reasonCode(null)).isEqualTo("other");
  }

  @Test
  void everyDeadLetterIsCountedByTopicAndReason() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    DeadLetters dls = new DeadLetters("ingest-gcp", Map.of(), MessageLimits.DEFAULT, registry);
    SourcePosition pos = SourcePosition.newBuilder().setSource("jsonl").setLocator("/a.jsonl").setOffset(1).build();
    byte[] line = "{".getBytes(StandardCharsets.UTF_8);
    dls.forSource("gcp.audit.entries.dlq", pos, null, line, "not_json: truncated", null);
    dls.forSource("gcp.audit.entries.dlq", pos, null, line, "not_json: other words", null);
    dls.forKafkaRecord("session.labels.dlq", "session.labels", 0, 5, null, line, "undecodable record: x", null);

    assertThat(registry.counter(DeadLetters.METRIC, "topic", "gcp.audit.entries.dlq", "reason", "not_json").count())
        .isEqualTo(2);
    assertThat(registry.counter(DeadLetters.METRIC, "topic", "session.labels.dlq", "reason", "undecodable_record")
        .count()).isEqualTo(1);
    assertThat(registry.getMeters()).hasSize(2);
  }
}
