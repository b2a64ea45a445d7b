package dev.whodrove.ingest.gcp.bigquery;

import com.google.api.gax.retrying.RetrySettings;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The BigQuery client the settings ask for: jobs in the billing project (and location), credentials from a key file
 * or Application Default Credentials, another endpoint when given (an {@code http://} one, a test or emulator-style
 * server, without credentials). The client's own retries of 5xx answers are bounded by the query timeout; quotas and
 * refusals come back to the source, which decides ({@link QueryFailure}).
 */
public final class BigQueryClients {
  private static final List<String> SCOPES = List.of("https://www.googleapis.com/auth/bigquery");

  private BigQueryClients() {}

  public static BigQuery create(BigQuerySettings s) {
    BigQueryOptions.Builder b = BigQueryOptions.newBuilder().setProjectId(s.billingProject())
        .setRetrySettings(RetrySettings.newBuilder().setMaxAttempts(5)
            .setInitialRetryDelayDuration(Duration.ofMillis(500)).setRetryDelayMultiplier(2)
            .setMaxRetryDelayDuration(Duration.ofSeconds(30)).setTotalTimeoutDuration(s.queryTimeout()).build());
    if (s.location() != null) {
      b.setLocation(s.location());
    }
    if (s.endpoint() != null) {
      b.setHost(s.endpoint());
    }
    if (s.endpoint() != null && s.endpoint().startsWith("http://")) {
      b.setCredentials(NoCredentials.getInstance());
    } else if (s.credentialsFile() != null) {
      try (InputStream in = Files.newInputStream(Path.of(s.credentialsFile()))) {
        b.setCredentials(GoogleCredentials.fromStream(in).createScoped(SCOPES));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + BigQuerySettings.CREDENTIALS_FILE + " "
            + s.credentialsFile() + ": " + e.getMessage(), e);
      }
    }
    return b.build().getService();
  }
}
