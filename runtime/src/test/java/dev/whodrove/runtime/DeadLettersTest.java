package dev.whodrove.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.SourcePosition;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class DeadLettersTest {
  private final SourcePosition pos = SourcePosition.newBuilder().setSource("file").setLocator("/var/log/a.log")
      .setOffset(42).build();

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) ('a' + i % 26);
    }
    return b;
  }

  private static DeadLetter value(ProducerRecord<byte[], byte[]> r) throws Exception {
    return DeadLetter.parseFrom(r.value());
  }

  private static String header(ProducerRecord<byte[], byte[]> r, String name) {
    return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  @Test
  void aThreeMebibyteOriginalIsCutToTheLimitWithItsLengthAndDigest() throws Exception {
    DeadLetters dls = new DeadLetters("ingest-teleport", Map.of());
    byte[] big = bytes(3 << 20);
    ProducerRecord<byte[], byte[]> r = dls.forSource("teleport.audit.events.dlq", pos, null, big, "too_large", null);
    DeadLetter dl = value(r);
    assertThat(dl.getOriginalValue().size()).isEqualTo(MessageLimits.DEFAULT_DEAD_LETTER_MAX_ORIGINAL_BYTES);
    assertThat(dl.getOriginalValue().toByteArray())
        .isEqualTo(Arrays.copyOf(big, MessageLimits.DEFAULT_DEAD_LETTER_MAX_ORIGINAL_BYTES));
    assertThat(dl.getOriginalValueSize()).isEqualTo(3 << 20);
    assertThat(dl.getOriginalValueSha256().toByteArray()).isEqualTo(DeadLetters.sha256(big));
    assertThat(dl.getOriginalTruncated()).isTrue();
    assertThat(dl.getSource()).isEqualTo(pos);
    assertThat(header(r, DeadLetters.HEADER_ORIGINAL_SIZE)).isEqualTo(Integer.toString(3 << 20));
    assertThat(header(r, DeadLetters.HEADER_ORIGINAL_SHA256)).isEqualTo(HexFormat.of().formatHex(DeadLetters.sha256(big)));
    assertThat(MessageLimits.DEFAULT.fits(r)).isTrue();
    assertThat(MessageLimits.sizeUpperBound(r)).isLessThan(1 << 20);
  }

  @Test
  void smallOriginalsAreKeptWholeAndSummedUpAlike() throws Exception {
    DeadLetters dls = new DeadLetters("recording-decoder", Map.of());
    byte[] key = "sid-1".getBytes(StandardCharsets.UTF_8);
    byte[] v = {(byte) 0xff, 1};
    ProducerRecord<byte[], byte[]> r = dls.forKafkaRecord("teleport.recordings.dlq", "teleport.recordings", 2, 99,
        key, v, "record size 0 at byte 24", new IllegalStateException("x"));
    DeadLetter dl = value(r);
    assertThat(r.key()).isEqualTo(key);
    assertThat(dl.getOriginalKey().toByteArray()).isEqualTo(key);
    assertThat(dl.getOriginalKeySize()).isEqualTo(key.length);
    assertThat(dl.getOriginalKeySha256().toByteArray()).isEqualTo(DeadLetters.sha256(key));
    assertThat(dl.getOriginalValue().toByteArray()).isEqualTo(v);
    assertThat(dl.getOriginalValueSize()).isEqualTo(2);
    assertThat(dl.getOriginalTruncated()).isFalse();
    assertThat(dl.getErrorClass()).isEqualTo(IllegalStateException.class.getName());
  }

  @Test
  void everyPartIsBoundedSoADeadLetterAlwaysFits() throws Exception {
    MessageLimits small = new MessageLimits(MessageLimits.deadLetterBytesUpperBound(1024), 1024);
    DeadLetters dls = new DeadLetters("ingest-gcp", Map.of(), small);
    SourcePosition longLocator = pos.toBuilder().setLocator("x".repeat(100_000)).build();
    ProducerRecord<byte[], byte[]> r = dls.forSource("gcp.audit.entries.dlq", longLocator, bytes(50_000),
        bytes(5 << 20), "why ".repeat(100_000), null);
    DeadLetter dl = value(r);
    assertThat(r.key()).hasSize(1024);
    assertThat(dl.getOriginalKey().size()).isEqualTo(1024);
    assertThat(dl.getOriginalKeySize()).isEqualTo(50_000);
    assertThat(dl.getOriginalValue().size()).isEqualTo(1024);
    assertThat(dl.getReason()).hasSize(DeadLetters.MAX_REASON_CHARS);
    assertThat(dl.getSource().getLocator()).hasSize(DeadLetters.MAX_LOCATOR_CHARS);
    assertThat(header(r, DeadLetters.HEADER_REASON)).hasSize(DeadLetters.MAX_REASON_HEADER_CHARS);
    assertThat(small.fits(r)).isTrue();
  }

  @Test
  void aSourceThatKeptOnlyTheHeadPassesTheWholeLengthAndDigest() throws Exception {
    byte[] whole = bytes(2 << 20);
    byte[] head = Arrays.copyOf(whole, 1 << 20);
    DeadLetters dls = new DeadLetters("ingest-gcp", Map.of());
    DeadLetter dl = value(dls.forSource("gcp.audit.entries.dlq", pos, null,
        DeadLetters.Original.head(head, whole.length, DeadLetters.sha256(whole)), "too_large", null));
    assertThat(dl.getOriginalValueSize()).isEqualTo(2 << 20);
    assertThat(dl.getOriginalValueSha256().toByteArray()).isEqualTo(DeadLetters.sha256(whole));
    assertThat(dl.getOriginalValue().size()).isEqualTo(MessageLimits.DEFAULT_DEAD_LETTER_MAX_ORIGINAL_BYTES);
    assertThatThrownBy(() -> DeadLetters.Original.head(head, whole.length, null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void limitsComeFromOnePlaceAndMustHoldADeadLetter() {
    assertThat(MessageLimits.from(ServiceConfig.of(Map.of()))).isEqualTo(MessageLimits.DEFAULT);
    assertThat(MessageLimits.DEFAULT.maxMessageBytes()).isEqualTo(2 << 20);
    MessageLimits custom = MessageLimits.from(ServiceConfig.of(Map.of(MessageLimits.MAX_MESSAGE_BYTES, "4194304",
        MessageLimits.DEAD_LETTER_MAX_ORIGINAL_BYTES, "1048576")));
    assertThat(custom.producerProperties(Map.of("max.request.size", 1, "bootstrap.servers", "b:1")))
        .containsEntry("max.request.size", 4194304).containsEntry("bootstrap.servers", "b:1");
    assertThatThrownBy(() -> MessageLimits.from(ServiceConfig.of(Map.of(
        MessageLimits.DEAD_LETTER_MAX_ORIGINAL_BYTES, "1048576"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("WHODROVE_TOPICS_MAX_MESSAGE_BYTES")
        .hasMessageContaining("WHODROVE_DEADLETTER_MAX_ORIGINAL_BYTES");
    ProducerRecord<byte[], byte[]> big = new ProducerRecord<>("t", null, bytes(2 << 20));
    assertThat(MessageLimits.DEFAULT.fits(big)).isFalse();
    assertThat(MessageLimits.DEFAULT.fits(new ProducerRecord<>("t", null, bytes((2 << 20) - 1024)))).isTrue();
  }

  @Test
  void anOriginalIsGivenBackOnlyWholeAndAsItWas() throws Exception {
    DeadLetters dls = new DeadLetters("recording-decoder", Map.of());
    byte[] key = "sid-1".getBytes(StandardCharsets.UTF_8);
    DeadLetter kept = value(dls.forKafkaRecord("teleport.recordings.dlq", "teleport.recordings", 0, 7, key,
        new byte[0], "bad", null));
    assertThat(DeadLetters.whyNotWhole(kept)).isEmpty();
    assertThat(DeadLetters.originalKey(kept)).isEqualTo(key);
    assertThat(DeadLetters.originalValue(kept)).as("an empty value is not a missing one").isEmpty();

    DeadLetter noKey = value(dls.forKafkaRecord("t.dlq", "t", 0, 8, null, new byte[] {1}, "bad", null));
    assertThat(DeadLetters.originalKey(noKey)).isNull();
    assertThat(DeadLetters.originalValue(noKey)).containsExactly(1);

    DeadLetter cut = value(dls.forSource("teleport.audit.events.dlq", pos, null, bytes(300_000), "too_large", null));
    assertThat(DeadLetters.whyNotWhole(cut)).hasValueSatisfying(w -> assertThat(w)
        .startsWith("truncated").contains("262144 of 300000 value bytes").doesNotContain("key"));

    DeadLetter tampered = kept.toBuilder().setOriginalKey(com.google.protobuf.ByteString.copyFromUtf8("sid-2"))
        .build();
    assertThat(DeadLetters.whyNotWhole(tampered)).hasValueSatisfying(w -> assertThat(w).startsWith("corrupt"));
  }
}
