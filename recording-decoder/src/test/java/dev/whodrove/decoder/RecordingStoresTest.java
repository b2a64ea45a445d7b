package dev.whodrove.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordingStoresTest {
  private static final String SID = "3f2b0c1d-aaaa-4bbb-8ccc-123456789abc";

  @Test
  void teleportUploadUrlsNameTheTarObject() throws StoreException {
    assertThat(RecordingLocation.parse("s3://my-bucket/records/" + SID))
        .isEqualTo(new RecordingLocation("s3", "my-bucket", "records/" + SID + ".tar"));
    assertThat(RecordingLocation.parse("s3://my-bucket/" + SID))
        .isEqualTo(new RecordingLocation("s3", "my-bucket", SID + ".tar"));
    assertThat(RecordingLocation.parse("s3://my-bucket/sessions/" + SID + ".tar").path())
        .isEqualTo("sessions/" + SID + ".tar");
    assertThat(RecordingLocation.parse("file:///var/lib/teleport/log/records/multi/" + SID))
        .isEqualTo(new RecordingLocation("file", "", "/var/lib/teleport/log/records/" + SID + ".tar"));
    assertThat(RecordingLocation.parse("file:///data/casts/session.cast").path()).isEqualTo("/data/casts/session.cast");
  }

  @Test
  void oddUrisAreRefusedWithAReason() {
    assertRefused("http://example.com/x.tar", "unsupported recording uri scheme 'http'");
    assertRefused("az://bucket/x", "unsupported recording uri scheme 'az'");
    assertRefused("x.tar", "unsupported recording uri scheme ''");
    assertRefused("", "recording uri is empty");
    assertRefused("s3://bucket/records/../secrets/x.tar", "dot segments are not allowed");
    assertRefused("file:///var/records/../../etc/passwd", "dot segments are not allowed");
    assertRefused("file://evil.example.com/etc/passwd", "file uri must not name a host");
    assertRefused("s3://user@bucket/x.tar", "s3 uri needs a plain bucket name");
    assertRefused("s3://bucket/", "s3 uri names no object");
    assertRefused("s3://bucket/x.tar?versionId=1", "must not carry a query");
    assertRefused("s3://bucket/a b", "malformed recording uri");
  }

  private static void assertRefused(String uri, String message) {
    assertThatThrownBy(() -> RecordingLocation.parse(uri))
        .isInstanceOfSatisfying(StoreException.class, e -> {
          assertThat(e.isTransient()).isFalse();
          assertThat(e.reason()).isEqualTo("refused");
        })
        .hasMessageContaining(message);
  }

  @Test
  void fileStoreReadsOnlyUnderItsRoots(@TempDir Path tmp) throws Exception {
    Path records = Files.createDirectories(tmp.resolve("records"));
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.write(records.resolve(SID + ".tar"), new byte[] {1, 2, 3});
    Files.write(outside.resolve("secret.tar"), new byte[] {9});
    Files.createSymbolicLink(records.resolve("link.tar"), outside.resolve("secret.tar"));
    Files.createSymbolicLink(records.resolve("linkdir"), outside);

    try (RecordingStores stores = new RecordingStores(List.of(new FileRecordingStore(List.of(records))))) {
      try (StoredObject o = stores.open("file://" + records + "/multi/" + SID)) {
        assertThat(o.size()).isEqualTo(3);
        assertThat(o.stream().readAllBytes()).containsExactly(1, 2, 3);
      }
      assertStore(() -> stores.open("file://" + outside + "/secret.tar"), "refused", "outside the allowed roots");
      assertStore(() -> stores.open("file://" + records + "/link.tar"), "refused", "through a symlink");
      assertStore(() -> stores.open("file://" + records + "/linkdir/secret.tar"), "refused", "through a symlink");
      assertStore(() -> stores.open("file://" + records + "/missing.tar"), "not-found", "recording not found");
      assertStore(() -> stores.open("s3://bucket/x.tar"), "refused", "no s3 store configured");
    }
    try (RecordingStores none = new RecordingStores(List.of(new FileRecordingStore(List.of())))) {
      assertStore(() -> none.open("file://" + records + "/" + SID + ".tar"), "refused", "file recordings are disabled");
    }
  }

  interface Open {
    StoredObject run() throws StoreException, IOException;
  }

  private static void assertStore(Open open, String reason, String message) {
    assertThatThrownBy(open::run)
        .isInstanceOfSatisfying(StoreException.class, e -> {
          assertThat(e.reason()).isEqualTo(reason);
          assertThat(e.isTransient()).isFalse();
        })
        .hasMessageContaining(message);
  }

  @Test
  void decoderIsRegisteredAsAService() {
    assertThat(dev.whodrove.runtime.ServiceFactory.named("recording-decoder")).isPresent()
        .get().extracting(dev.whodrove.runtime.ServiceFactory::defaultHttpPort).isEqualTo(9403);
  }

  @Test
  void s3AllowlistEntries() throws StoreException {
    S3RecordingStore.Allowed a = S3RecordingStore.Allowed.parse("s3://rec-bucket/sessions/");
    assertThat(a).isEqualTo(new S3RecordingStore.Allowed("rec-bucket", "sessions/"));
    assertThat(a.permits(RecordingLocation.parse("s3://rec-bucket/sessions/" + SID))).isTrue();
    assertThat(a.permits(RecordingLocation.parse("s3://rec-bucket/other/" + SID))).isFalse();
    assertThat(a.permits(RecordingLocation.parse("s3://rec-bucket-2/sessions/" + SID))).isFalse();
    assertThat(S3RecordingStore.Allowed.parse("whole-bucket").permits(RecordingLocation.parse("s3://whole-bucket/x")))
        .isTrue();
  }

  @Test
  void s3AllowlistMatchesWholePathSegments() throws StoreException {
    for (String entry : List.of("bucket/sessions", "bucket/sessions/", "s3://bucket/sessions//")) {
      S3RecordingStore.Allowed a = S3RecordingStore.Allowed.parse(entry);
      assertThat(a.permits(RecordingLocation.parse("s3://bucket/sessions/x.tar"))).as(entry).isTrue();
      assertThat(a.permits(RecordingLocation.parse("s3://bucket/sessions/deep/er/" + SID))).as(entry).isTrue();
      assertThat(a.permits(RecordingLocation.parse("s3://bucket/sessions-x/y.tar"))).as(entry).isFalse();
      assertThat(a.permits(RecordingLocation.parse("s3://bucket/sessionsx.tar"))).as(entry).isFalse();
      assertThat(a.permits(RecordingLocation.parse("s3://bucket/other/sessions/x.tar"))).as(entry).isFalse();
      assertThat(a.permits(RecordingLocation.parse("s3://bucket2/sessions/x.tar"))).as(entry).isFalse();
    }
    S3RecordingStore.Allowed one = S3RecordingStore.Allowed.parse("bucket/sessions/x.tar");
    assertThat(one.permits(RecordingLocation.parse("s3://bucket/sessions/x.tar"))).isTrue();
    assertThat(one.permits(RecordingLocation.parse("s3://bucket/sessions/x.tar.bak"))).isFalse();
    assertThat(S3RecordingStore.Allowed.parse("bucket/").permits(RecordingLocation.parse("s3://bucket/any/x.tar")))
        .isTrue();
  }
}
