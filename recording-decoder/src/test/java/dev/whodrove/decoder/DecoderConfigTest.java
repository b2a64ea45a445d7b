package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DecoderConfigTest {
  @Test
  void defaultsAreSafe() {
    DecoderConfig c = DecoderConfig.from(ServiceConfig.of(Map.of("kafka.bootstrap.servers", "localhost:9092")));
    assertThat(c.groupId()).isEqualTo("recording-decoder");
    assertThat(c.transactionalId()).startsWith("recording-decoder-");
    assertThat(c.decode().payload()).isEqualTo(PrintPayload.DERIVED);
    assertThat(c.decode().includeDecodeTime()).isFalse();
    assertThat(c.partThreads()).isBetween(1, 4);
    assertThat(c.partsMinBytes()).isEqualTo(64L << 20);
    assertThat(c.fileRoots()).isEmpty();
    assertThat(c.s3Allowed()).isEmpty();
    assertThat(c.s3().endpoint()).isNull();
    assertThat(c.s3().pathStyle()).isFalse();
    assertThat(c.transactionTimeout()).isEqualTo(Duration.ofMinutes(15));
  }

  @Test
  void readsEveryKey() {
    DecoderConfig c = DecoderConfig.from(ServiceConfig.of(Map.ofEntries(
        Map.entry("kafka.bootstrap.servers", "b:9092"),
        Map.entry("decoder.group.id", "g"),
        Map.entry("kafka.transactional.id", "t-1"),
        Map.entry("decoder.print.payload", "raw"),
        Map.entry("decoder.max.parts", "7"),
        Map.entry("decoder.max.decompressed.bytes", "1000"),
        Map.entry("decoder.store.file.roots", "/var/lib/teleport/log/records, /data/casts"),
        Map.entry("decoder.store.s3.allow", "rec/sessions/,other"),
        Map.entry("decoder.store.s3.endpoint", "http://minio:9000"),
        Map.entry("decoder.store.s3.region", "eu-west-1"),
        Map.entry("decoder.store.retry.initial", "250ms"),
        Map.entry("decoder.store.retry.max", "30s"))));
    assertThat(c.groupId()).isEqualTo("g");
    assertThat(c.transactionalId()).isEqualTo("t-1");
    assertThat(c.decode().payload()).isEqualTo(PrintPayload.RAW);
    assertThat(c.decode().limits()).isEqualTo(new DecodeLimits(1000, 7, -1));
    assertThat(c.fileRoots()).containsExactly(Path.of("/var/lib/teleport/log/records"), Path.of("/data/casts"));
    assertThat(c.s3Allowed()).containsExactly(new S3RecordingStore.Allowed("rec", "sessions/"),
        new S3RecordingStore.Allowed("other", ""));
    assertThat(c.s3().endpoint()).isEqualTo(URI.create("http://minio:9000"));
    assertThat(c.s3().pathStyle()).isTrue();
    assertThat(c.s3().region()).isEqualTo("eu-west-1");
    assertThat(c.retryInitial()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.retryMax()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void oldSpellingsAreRenamed() {
    ServiceConfig old = ServiceConfig.of(Map.ofEntries(
        Map.entry("kafka.group.id", "g"),
        Map.entry("transaction.timeout", "5m"),
        Map.entry("transaction.commit.after", "1s"),
        Map.entry("print.payload", "raw"),
        Map.entry("complete.include.decode.ms", "true"),
        Map.entry("decode.max.parts", "7"),
        Map.entry("decode.max.decompressed.bytes", "1000"),
        Map.entry("store.file.roots", "/records"),
        Map.entry("store.retry.max", "30s")));
    DecoderConfig c = DecoderConfig.from(old.withRenamedKeys("recording-decoder", DecoderConfig.RENAMED_KEYS));
    assertThat(c.groupId()).isEqualTo("g");
    assertThat(c.transactionTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.commitAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.decode().payload()).isEqualTo(PrintPayload.RAW);
    assertThat(c.decode().includeDecodeTime()).isTrue();
    assertThat(c.decode().limits()).isEqualTo(new DecodeLimits(1000, 7, -1));
    assertThat(c.fileRoots()).containsExactly(Path.of("/records"));
    assertThat(c.retryMax()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void badValuesNameTheKey() {
    assertThatThrownBy(() -> DecoderConfig.from(ServiceConfig.of(Map.of("decoder.print.payload", "everything"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("decoder.print.payload").hasMessageContaining("WHODROVE_DECODER_PRINT_PAYLOAD");
    assertThatThrownBy(() -> DecoderConfig.from(ServiceConfig.of(Map.of("decoder.parts.threads", "0"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("decoder.parts.threads=0").hasMessageContaining("at least 1");
  }
}
