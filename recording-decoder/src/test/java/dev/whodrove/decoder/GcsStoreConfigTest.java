package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Cloud Storage keys, {@code gs://} references and the allowlist they share with S3 (no server needed). */
class GcsStoreConfigTest {
  private static final String SID = "5b1c0d2e-1111-4222-8333-444455556666";
  @TempDir Path tmp;

  private static GcsRecordingStore.Settings gcs(Map<String, String> cfg) {
    return DecoderConfig.from(ServiceConfig.of(cfg)).gcs();
  }

  @Test
  void defaultsReadNothing() {
    GcsRecordingStore.Settings s = gcs(Map.of());
    assertThat(s.allowed()).isEmpty();
    assertThat(s.endpoint()).isNull();
    assertThat(s.anonymous()).isFalse();
    assertThat(s.credentialsFile()).isNull();
    assertThat(s.project()).isNull();
    assertThat(s.maxAttempts()).isEqualTo(5);
    assertThat(s.deadline()).isEqualTo(Duration.ofMinutes(10)); // decoder.store.read.timeout
    try (RecordingStores stores = RecordingDecoderService.storesFrom(DecoderConfig.from(ServiceConfig.of(Map.of())))) {
      assertThatThrownBy(() -> stores.open("gs://rec/sessions/" + SID)).isInstanceOf(StoreException.class)
          .hasMessage("no gs store configured for gs://rec/sessions/" + SID + ".tar");
    }
  }

  @Test
  void readsEveryKey() {
    GcsRecordingStore.Settings s = gcs(Map.of(
        "decoder.store.gcs.allow", "gs://rec/sessions/, other",
        "decoder.store.gcs.endpoint", "https://storage.example.internal",
        "decoder.store.gcs.credentials.file", "/run/secrets/gcs.json",
        "decoder.store.gcs.project", "p-1",
        "decoder.store.gcs.max.attempts", "2",
        "decoder.store.read.timeout", "90s"));
    assertThat(s.allowed()).containsExactly(new BucketPrefix("rec", "sessions/"), new BucketPrefix("other", ""));
    assertThat(s.endpoint()).isEqualTo("https://storage.example.internal");
    assertThat(s.anonymous()).isFalse(); // https: a real service
    assertThat(s.credentialsFile()).isEqualTo("/run/secrets/gcs.json");
    assertThat(s.project()).isEqualTo("p-1");
    assertThat(s.maxAttempts()).isEqualTo(2);
    assertThat(s.deadline()).isEqualTo(Duration.ofSeconds(90));
    assertThat(gcs(Map.of("decoder.store.gcs.endpoint", "http://127.0.0.1:4443")).anonymous()).isTrue();
    assertThat(gcs(Map.of("decoder.store.gcs.endpoint", "http://127.0.0.1:4443",
        "decoder.store.gcs.anonymous", "false")).anonymous()).isFalse();
  }

  @Test
  void badValuesNameTheKey() {
    assertThatThrownBy(() -> gcs(Map.of("decoder.store.gcs.endpoint", "storage.googleapis.com")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("decoder.store.gcs.endpoint")
        .hasMessageContaining("WHODROVE_DECODER_STORE_GCS_ENDPOINT");
    Path notJson = tmp.resolve("key.json");
    assertThatThrownBy(() -> {
      Files.writeString(notJson, "{\"type\": \"service_account\", \"private_key\": \"secret-material\"}");
      GcsRecordingStore.client(gcs(Map.of("decoder.store.gcs.credentials.file", notJson.toString())));
    }).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("cannot read decoder.store.gcs.credentials.file=" + notJson)
        .hasMessageNotContaining("secret-material");
    assertThatThrownBy(() -> GcsRecordingStore.client(gcs(Map.of("decoder.store.gcs.credentials.file",
        tmp.resolve("missing.json").toString())))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("NoSuchFileException");
  }

  @Test
  void gsReferencesAreParsedLikeS3Ones() throws StoreException {
    assertThat(RecordingLocation.parse("gs://rec-bucket/records/" + SID))
        .isEqualTo(new RecordingLocation("gs", "rec-bucket", "records/" + SID + ".tar"));
    assertThat(RecordingLocation.parse("GS://rec.example.com/" + SID + ".tar").toString())
        .isEqualTo("gs://rec.example.com/" + SID + ".tar");
    for (String bad : List.of("gs://rec/records/../x.tar", "gs://user@rec/x.tar", "gs://rec:443/x.tar", "gs://rec/",
        "gs://rec/x.tar?generation=1", "gs:///x.tar")) {
      assertThatThrownBy(() -> RecordingLocation.parse(bad)).as(bad).isInstanceOf(StoreException.class)
          .satisfies(e -> assertThat(((StoreException) e).reason()).isEqualTo("refused"));
    }
  }

  @Test
  void theAllowlistMatchesWholeSegmentsAsForS3() throws Exception {
    for (String entry : List.of("rec/sessions", "rec/sessions/", "gs://rec/sessions//")) {
      BucketPrefix a = BucketPrefix.parse(entry, "gs");
      assertThat(a.permits(RecordingLocation.parse("gs://rec/sessions/x.tar"))).as(entry).isTrue();
      assertThat(a.permits(RecordingLocation.parse("gs://rec/sessions/deep/er/" + SID))).as(entry).isTrue();
      assertThat(a.permits(RecordingLocation.parse("gs://rec/sessions-x/y.tar"))).as(entry).isFalse();
      assertThat(a.permits(RecordingLocation.parse("gs://rec/sessionsx.tar"))).as(entry).isFalse();
      assertThat(a.permits(RecordingLocation.parse("gs://rec/other/sessions/x.tar"))).as(entry).isFalse();
      assertThat(a.permits(RecordingLocation.parse("gs://rec2/sessions/x.tar"))).as(entry).isFalse();
    }
    // one rule for both stores
    assertThat(S3RecordingStore.Allowed.parse("s3://rec/sessions/"))
        .isEqualTo(new S3RecordingStore.Allowed("rec", "sessions/"));
    // refused before the client is asked anything: the endpoint here does not exist
    GcsRecordingStore.Settings s = new GcsRecordingStore.Settings(List.of(BucketPrefix.parse("rec/sessions", "gs")),
        "http://127.0.0.1:1", true, null, "p", 1, Duration.ofSeconds(1));
    try (RecordingStores stores = new RecordingStores(List.of(
        new GcsRecordingStore(GcsRecordingStore.client(s), s.allowed(), s.deadline())))) {
      assertThatThrownBy(() -> stores.open("gs://rec/sessions-x/" + SID)).isInstanceOf(StoreException.class)
          .hasMessage("bucket/prefix not allowed: gs://rec/sessions-x/" + SID + ".tar");
      assertThatThrownBy(() -> stores.open("s3://rec/sessions/" + SID)).isInstanceOf(StoreException.class)
          .hasMessage("no s3 store configured for s3://rec/sessions/" + SID + ".tar");
    }
  }
}
