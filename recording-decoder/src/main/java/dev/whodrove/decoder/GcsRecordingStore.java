package dev.whodrove.decoder;

import com.google.api.gax.retrying.RetrySettings;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.ReadChannel;
import com.google.cloud.ServiceOptions;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.HttpStorageOptions;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.StorageOptions;
import dev.whodrove.runtime.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams recordings from Google Cloud Storage ({@code gs://bucket/object}) with the google-cloud-storage client over
 * its JSON API. Only buckets (optionally a prefix of whole path segments within them) on the allowlist are read. The
 * object's metadata is read first (size, generation), then that generation is streamed, so an object replaced
 * meanwhile cannot mix two versions. The client retries 429, 5xx and network errors with backoff; what still fails is
 * transient (the caller retries later), 401/403 are refused access (retried within the longer auth budget, as
 * credentials may be rotating), while 404 and other 4xx are permanent, as in {@link S3RecordingStore}. Each object
 * must be read within the decoder's read timeout: metadata, every retry and the last byte.
 */
public final class GcsRecordingStore implements RecordingStore {
  static final int CONNECT_TIMEOUT_MS = 10_000;
  /** Longest wait for the next bytes of a response. */
  static final int READ_TIMEOUT_MS = 30_000;
  /** Bytes fetched per read of the object (the client's buffer). */
  static final int CHUNK_BYTES = 256 * 1024;
  private static final String READ_ONLY_SCOPE = "https://www.googleapis.com/auth/devstorage.read_only";

  /**
   * Connection settings.
   *
   * @param allowed buckets and prefixes that may be read; empty = none (the store is then not configured)
   * @param endpoint JSON API endpoint override (emulators, private endpoints), or null for Google's
   * @param anonymous send no credentials (emulators, public buckets)
   * @param credentialsFile service-account key JSON, or null for Application Default Credentials
   * @param project project the client runs as, or null to take it from the credentials or the environment
   * @param maxAttempts attempts per request (backoff on 429, 5xx and network errors)
   * @param deadline longest time one object may take, from its metadata to its last byte (the read timeout)
   */
  public record Settings(List<BucketPrefix> allowed, String endpoint, boolean anonymous, String credentialsFile,
      String project, int maxAttempts, Duration deadline) {}

  private final Storage storage;
  private final List<BucketPrefix> allowed;
  private final Duration deadline;

  public GcsRecordingStore(Storage storage, List<BucketPrefix> allowed, Duration deadline) {
    this.storage = storage;
    this.allowed = new ArrayList<>(allowed);
    this.deadline = deadline;
  }

  /** A client as configured; a credentials file that cannot be read is a configuration error. */
  public static Storage client(Settings s) {
    RetrySettings retry = ServiceOptions.getDefaultRetrySettings().toBuilder()
        .setMaxAttempts(Math.max(1, s.maxAttempts()))
        .setInitialRetryDelayDuration(Duration.ofMillis(500))
        .setRetryDelayMultiplier(2.0)
        .setMaxRetryDelayDuration(Duration.ofSeconds(8))
        .setTotalTimeoutDuration(s.deadline())
        .build();
    HttpStorageOptions.Builder b = StorageOptions.http()
        .setTransportOptions(HttpTransportOptions.newBuilder()
            .setConnectTimeout(CONNECT_TIMEOUT_MS).setReadTimeout(READ_TIMEOUT_MS).build())
        .setRetrySettings(retry);
    if (s.endpoint() != null && !s.endpoint().isBlank()) {
      b.setHost(s.endpoint().trim());
    }
    if (s.project() != null && !s.project().isBlank()) {
      b.setProjectId(s.project().trim());
    }
    if (s.anonymous()) {
      b.setCredentials(NoCredentials.getInstance());
    } else if (s.credentialsFile() != null && !s.credentialsFile().isBlank()) {
      b.setCredentials(credentialsFrom(s.credentialsFile().trim()));
    } // else Application Default Credentials, found by the client
    return b.build().getService();
  }

  private static GoogleCredentials credentialsFrom(String file) {
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      return GoogleCredentials.fromStream(in).createScoped(List.of(READ_ONLY_SCOPE));
    } catch (IOException | RuntimeException e) {
      // the type only: a parse message could quote the key
      throw new ConfigException("cannot read " + DecoderConfig.GCS_CREDENTIALS_FILE + "=" + file + " ("
          + dev.whodrove.runtime.ServiceConfig.keyToEnv(DecoderConfig.GCS_CREDENTIALS_FILE) + "): "
          + e.getClass().getSimpleName());
    }
  }

  @Override
  public String scheme() {
    return "gs";
  }

  @Override
  public StoredObject open(RecordingLocation location) throws StoreException {
    if (allowed.stream().noneMatch(a -> a.permits(location))) {
      throw RecordingLocation.refused("bucket/prefix not allowed: " + location
          + (allowed.isEmpty() ? " (no GCS allowlist configured)" : ""));
    }
    long until = System.nanoTime() + deadline.toNanos();
    ReadChannel channel = null;
    try {
      Blob blob = storage.get(BlobId.of(location.bucket(), location.path()));
      if (blob == null) {
        throw StoreException.permanent("not-found", "recording not found: " + location);
      }
      Long generation = blob.getGeneration();
      channel = storage.reader(BlobId.of(location.bucket(), location.path(), generation));
      channel.setChunkSize(CHUNK_BYTES);
      long size = blob.getSize() == null ? -1 : blob.getSize();
      return new StoredObject(new ObjectStream(channel, location, until, deadline), size,
          generation == null ? "" : generation.toString());
    } catch (StorageException e) {
      closeQuietly(channel);
      throw classify(e, location);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw StoreException.transientFailure("Cloud Storage request failed for " + location + ": " + e, e);
    }
  }

  /** S3's rules in Cloud Storage's status codes. */
  static StoreException classify(StorageException e, RecordingLocation location) {
    int code = e.getCode();
    if (code == 404) {
      return StoreException.permanent("not-found", "recording not found: " + location, e);
    }
    if (code == 401 || code == 403) {
      return StoreException.accessDenied("access denied to " + location + ": " + code + " "
          + (e.getReason() == null ? "" : e.getReason()), e);
    }
    if (code == 408 || code == 412 || code == 429 || code >= 500 || code <= 0 || e.isRetryable()) {
      // 412: the generation read went away between metadata and media; reading again finds the new one
      return StoreException.transientFailure("Cloud Storage " + (code > 0 ? code + " " : "") + "for " + location
          + ": " + oneLine(e.getMessage()), e);
    }
    return StoreException.permanent("store-error", "Cloud Storage " + code + " for " + location + ": "
        + oneLine(e.getMessage()), e);
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }

  private static void closeQuietly(ReadChannel channel) {
    if (channel != null) {
      channel.close();
    }
  }

  @Override
  public void close() {
    try {
      storage.close();
    } catch (Exception e) {
      // nothing is pending on a closed reader; the HTTP transport holds no threads
    }
  }

  /**
   * The object's bytes: failures of the client (already retried) become plain IOExceptions, which the decoder's
   * callers treat as transient, and the object's deadline is checked before every read.
   */
  private static final class ObjectStream extends InputStream {
    private final ReadChannel channel;
    private final RecordingLocation location;
    private final long until;
    private final Duration deadline;
    private boolean eof;

    ObjectStream(ReadChannel channel, RecordingLocation location, long until, Duration deadline) {
      this.channel = channel;
      this.location = location;
      this.until = until;
      this.deadline = deadline;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      if (eof) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      int n;
      do {
        if (System.nanoTime() - until > 0) {
          throw new IOException("reading " + location + " took longer than its deadline of " + deadline.toMillis()
              + " ms");
        }
        n = readChannel(ByteBuffer.wrap(buf, off, len));
      } while (n == 0);
      eof = n < 0;
      return n;
    }

    private int readChannel(ByteBuffer into) throws IOException {
      try {
        return channel.read(into);
      } catch (StorageException e) {
        throw new IOException("reading " + location + " failed: " + classify(e, location).getMessage(), e);
      } catch (IOException e) {
        throw new IOException("reading " + location + " failed: " + oneLine(e.getMessage()), e);
      }
    }

    @Override
    public void close() {
      channel.close();
    }
  }
}
