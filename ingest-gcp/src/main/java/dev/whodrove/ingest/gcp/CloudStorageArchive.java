package dev.whodrove.ingest.gcp;

import com.google.api.gax.paging.Page;
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
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.ServiceConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Archives in Cloud Storage, as a log router sink writes them: under {@code gs://bucket/prefix}, one JSON-lines object
 * per log and hour, {@code cloudaudit.googleapis.com/activity/YYYY/MM/DD/HH:00:00_HH:59:59_S0.json} (and
 * {@code data_access}; further shards {@code _S1}, …). Lists the objects under a prefix whose names are archive names,
 * in the order their hours were written (the activity and data-access objects of one hour together), and opens one
 * generation of an object, so an object replaced while it is read cannot mix two versions. The client retries 429,
 * 5xx and network errors with backoff; what still fails is reported by the archive reader and retried by its next
 * pass.
 */
public final class CloudStorageArchive implements AutoCloseable {
  public static final String ENDPOINT = "gcp.archive.gcs.endpoint";
  public static final String ANONYMOUS = "gcp.archive.gcs.anonymous";
  public static final String CREDENTIALS_FILE = "gcp.archive.gcs.credentials.file";
  public static final String PROJECT = "gcp.archive.gcs.project";
  public static final String MAX_ATTEMPTS = "gcp.archive.gcs.max.attempts";

  private static final String READ_ONLY_SCOPE = "https://www.googleapis.com/auth/devstorage.read_only";
  private static final int CONNECT_TIMEOUT_MS = 10_000;
  private static final int READ_TIMEOUT_MS = 30_000;
  private static final int CHUNK_BYTES = 1024 * 1024;
  private static final int PAGE_SIZE = 1000;
  /** The hour part of a sink object's name: {@code 2026/12/06/10:00:00_10:59:59_S0.json}. */
  private static final Pattern SINK_HOUR = Pattern.compile("(\\d{4}/\\d{2}/\\d{2}/\\d{2}:\\d{2}:\\d{2}_[^/]*)$");
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]");

  /** A {@code gs://bucket/prefix} location of {@code gcp.archive.paths}; the prefix may be empty (the whole bucket). */
  public record Prefix(String bucket, String prefix) {
    public static boolean isUri(String location) {
      return location.startsWith("gs://");
    }

    /** {@code gs://bucket[/prefix]}; a bad bucket name is one clear error. */
    public static Prefix parse(String uri) {
      if (!isUri(uri)) {
        throw new IllegalArgumentException("not a gs:// location: " + uri);
      }
      String rest = uri.substring("gs://".length());
      int slash = rest.indexOf('/');
      String bucket = slash < 0 ? rest : rest.substring(0, slash);
      String prefix = slash < 0 ? "" : rest.substring(slash + 1);
      if (!BUCKET.matcher(bucket).matches()) {
        throw new IllegalArgumentException("not a Cloud Storage bucket name in " + uri + ": '" + bucket + "'");
      }
      return new Prefix(bucket, prefix);
    }

    @Override
    public String toString() {
      return "gs://" + bucket + "/" + prefix;
    }
  }

  /** One generation of an object. */
  public record StoredObject(String bucket, String name, long generation, long size) {
    public String uri() {
      return "gs://" + bucket + "/" + name;
    }

    /** What the archive state file remembers of a read object: size, generation and URI, tab-separated. */
    String fingerprint() {
      return size + "\t" + generation + "\t" + uri();
    }
  }

  /** The connection: endpoint override (null: Google's), no credentials, key file (null: ADC), project, attempts. */
  public record Settings(String endpoint, boolean anonymous, String credentialsFile, String project,
      int maxAttempts) {
    public static Settings from(ServiceConfig cfg) {
      String endpoint = cfg.get(ENDPOINT, "").trim();
      if (!endpoint.isEmpty() && !endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
        throw new ConfigException("invalid config " + ENDPOINT + "=" + endpoint + " ("
            + ServiceConfig.keyToEnv(ENDPOINT) + "): expected an http:// or https:// URL");
      }
      String credentials = cfg.get(CREDENTIALS_FILE, "").trim();
      String project = cfg.get(PROJECT, "").trim();
      return new Settings(endpoint.isEmpty() ? null : endpoint,
          cfg.getBoolean(ANONYMOUS, endpoint.startsWith("http://")), credentials.isEmpty() ? null : credentials, project.isEmpty() ? null : project,
          Math.max(1, cfg.getInt(MAX_ATTEMPTS, 5)));
    }
  }

  private final Storage storage;

  public CloudStorageArchive(Storage storage) {
    this.storage = storage;
  }

  /** A reader of the configured Cloud Storage; a credentials file that cannot be read is a configuration error. */
  public static CloudStorageArchive from(ServiceConfig cfg) {
    return new CloudStorageArchive(client(Settings.from(cfg)));
  }

  static Storage client(Settings s) {
    RetrySettings retry = ServiceOptions.getDefaultRetrySettings().toBuilder()
        .setMaxAttempts(s.maxAttempts())
        .setInitialRetryDelayDuration(Duration.ofMillis(500))
        .setRetryDelayMultiplier(2.0)
        .setMaxRetryDelayDuration(Duration.ofSeconds(8))
        .build();
    HttpStorageOptions.Builder b = StorageOptions.http()
        .setTransportOptions(HttpTransportOptions.newBuilder()
            .setConnectTimeout(CONNECT_TIMEOUT_MS).setReadTimeout(READ_TIMEOUT_MS).build())
        .setRetrySettings(retry);
    if (s.endpoint() != null) {
      b.setHost(s.endpoint());
    }
    if (s.project() != null) {
      b.setProjectId(s.project());
    }
    if (s.anonymous()) {
      b.setCredentials(NoCredentials.getInstance());
    } else if (s.credentialsFile() != null) {
      try (InputStream in = Files.newInputStream(Path.of(s.credentialsFile()))) {
        b.setCredentials(GoogleCredentials.fromStream(in).createScoped(List.of(READ_ONLY_SCOPE)));
      } catch (IOException | RuntimeException e) {
        // the type only: a parse message could quote the key
        throw new ConfigException("cannot read " + CREDENTIALS_FILE + "=" + s.credentialsFile() + " ("
            + ServiceConfig.keyToEnv(CREDENTIALS_FILE) + "): " + e.getClass().getSimpleName());
      }
    } // else Application Default Credentials, found by the client
    return b.build().getService();
  }

  /**
   * The archive objects under {@code p} (names matching {@code archiveName}), sink objects in the order of their hours,
   * then by name.
   *
   * @throws IOException when the bucket cannot be listed (after the client's retries)
   */
  public List<StoredObject> list(Prefix p, Pattern archiveName) throws IOException {
    List<StoredObject> out = new ArrayList<>();
    try {
      Page<Blob> page = storage.list(p.bucket(), Storage.BlobListOption.prefix(p.prefix()),
          Storage.BlobListOption.pageSize(PAGE_SIZE));
      for (Blob b : page.iterateAll()) {
        if (b.getName().endsWith("/") || !archiveName.matcher(b.getName()).matches()) {
          continue;
        }
        out.add(new StoredObject(p.bucket(), b.getName(), b.getGeneration() == null ? 0 : b.getGeneration(),
            b.getSize() == null ? 0 : b.getSize()));
      }
    } catch (StorageException e) {
      throw new IOException("cannot list " + p + ": " + describe(e), e);
    }
    out.sort(Comparator.comparing(CloudStorageArchive::sinkOrder).thenComparing(StoredObject::name));
    return out;
  }

  /** The hour an object of the sink layout holds, else its name: activity and data access of one hour together. */
  static String sinkOrder(StoredObject o) {
    Matcher m = SINK_HOUR.matcher(o.name());
    return m.find() ? m.group(1) : o.name();
  }

  /** The bytes of that generation of the object. */
  public InputStream open(StoredObject o) throws IOException {
    try {
      ReadChannel channel = storage.reader(BlobId.of(o.bucket(), o.name(), o.generation()));
      channel.setChunkSize(CHUNK_BYTES);
      InputStream in = Channels.newInputStream(channel);
      return new InputStream() {
        @Override
        public int read() throws IOException {
          return wrap(() -> in.read());
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          return wrap(() -> in.read(b, off, len));
        }

        @Override
        public void close() throws IOException {
          in.close();
        }

        private int wrap(IoRead r) throws IOException {
          try {
            return r.read();
          } catch (StorageException e) {
            throw new IOException("reading " + o.uri() + " failed: " + describe(e), e);
          }
        }
      };
    } catch (StorageException e) {
      throw new IOException("cannot open " + o.uri() + ": " + describe(e), e);
    }
  }

  private interface IoRead {
    int read() throws IOException;
  }

  private static String describe(StorageException e) {
    return (e.getCode() > 0 ? e.getCode() + " " : "") + Errors.oneLine(e);
  }

  @Override
  public void close() {
    try {
      storage.close();
    } catch (Exception e) {
      // the HTTP transport holds no threads; nothing is pending
    }
  }
}
