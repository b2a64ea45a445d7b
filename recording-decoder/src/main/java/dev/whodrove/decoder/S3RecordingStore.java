package dev.whodrove.decoder;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Streams recordings from S3 or an S3-compatible server with the AWS SDK v2. Only buckets (optionally a key
 * prefix within them) on the allowlist are read. The SDK retries throttling and 5xx responses with backoff; what is
 * still failing afterwards is a transient failure of that object, 401 and 403 are refused access (retried for
 * longer: keys may be rotating), a server that cannot be connected to at all is unreachable, and 404 is permanent.
 */
public final class S3RecordingStore implements RecordingStore {

  /**
   * Connection settings.
   *
   * @param region AWS region
   * @param endpoint endpoint override for S3-compatible servers, or null
   * @param pathStyle path-style addressing (most S3-compatible servers need it)
   * @param accessKey static credentials, or null for the default provider chain
   * @param maxAttempts SDK attempts per request (retries on throttling and 5xx)
   */
  public record Settings(String region, URI endpoint, boolean pathStyle, String accessKey, String secretKey,
      int maxAttempts) {}

  /** One allowlist entry: a bucket and a key prefix of whole path segments ("" = the whole bucket). */
  public record Allowed(String bucket, String prefix) {
    /** Parses {@code bucket} or {@code bucket/prefix}. */
    public static Allowed parse(String entry) {
      BucketPrefix p = BucketPrefix.parse(entry, "s3");
      return new Allowed(p.bucket(), p.prefix());
    }

    /**
     * Whether the entry covers {@code loc}: same bucket, and the key lies under the prefix by whole path segments
     * ({@code sessions} covers {@code sessions/x.tar}, never {@code sessions-x/y.tar}); a prefix naming one object
     * covers that object.
     */
    boolean permits(RecordingLocation loc) {
      return BucketPrefix.covers(bucket, prefix, loc);
    }
  }

  private final S3Client client;
  private final List<Allowed> allowed;

  public S3RecordingStore(S3Client client, List<Allowed> allowed) {
    this.client = client;
    this.allowed = new ArrayList<>(allowed);
  }

  /** A client as configured: checksums only when required (S3-compatible servers reject the flexible ones). */
  public static S3Client client(Settings s) {
    AwsCredentialsProvider credentials = s.accessKey() == null || s.accessKey().isEmpty()
        ? DefaultCredentialsProvider.builder().build()
        : StaticCredentialsProvider.create(AwsBasicCredentials.create(s.accessKey(), s.secretKey()));
    var builder = S3Client.builder()
        .region(Region.of(s.region()))
        .credentialsProvider(credentials)
        .forcePathStyle(s.pathStyle())
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .overrideConfiguration(o -> o
            .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(Math.max(1, s.maxAttempts())).build())
            .apiCallAttemptTimeout(Duration.ofSeconds(30)));
    if (s.endpoint() != null) {
      builder.endpointOverride(s.endpoint());
    }
    return builder.build();
  }

  @Override
  public String scheme() {
    return "s3";
  }

  @Override
  public StoredObject open(RecordingLocation location) throws StoreException {
    if (allowed.stream().noneMatch(a -> a.permits(location))) {
      throw RecordingLocation.refused("bucket/prefix not allowed: " + location
          + (allowed.isEmpty() ? " (no S3 allowlist configured)" : ""));
    }
    try {
      ResponseInputStream<GetObjectResponse> in = client.getObject(GetObjectRequest.builder()
          .bucket(location.bucket()).key(location.path()).build());
      GetObjectResponse r = in.response();
      long size = r.contentLength() == null ? -1 : r.contentLength();
      String version = r.versionId() != null ? r.versionId() : r.eTag() == null ? "" : r.eTag();
      return new StoredObject(new AbortUnlessDrained(in), size, version);
    } catch (NoSuchKeyException | NoSuchBucketException e) {
      throw StoreException.permanent("not-found", "recording not found: " + location, e);
    } catch (S3Exception e) {
      int status = e.statusCode();
      if (status == 404) {
        throw StoreException.permanent("not-found", "recording not found: " + location, e);
      }
      if (status == 403 || status == 401) {
        throw StoreException.accessDenied("access denied to " + location + ": S3 " + status + " "
            + (e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode()), e);
      }
      if (status >= 500 || status == 429 || e.isThrottlingException()) {
        throw StoreException.transientFailure("S3 " + status + " for " + location, e);
      }
      throw StoreException.permanent("store-error", "S3 " + status + " for " + location + ": " + e.getMessage(), e);
    } catch (SdkClientException e) {
      if (cannotConnect(e)) {
        throw StoreException.unreachable("cannot reach S3 for " + location + ": " + e.getMessage(), e);
      }
      throw StoreException.transientFailure("S3 request failed for " + location + ": " + e.getMessage(), e);
    } catch (SdkException e) {
      throw StoreException.transientFailure("S3 request failed for " + location + ": " + e.getMessage(), e);
    }
  }

  /** No connection could be made at all: nothing to do with the object asked for. */
  static boolean cannotConnect(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
          || t instanceof java.net.NoRouteToHostException) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    client.close();
  }

  /**
   * Closing an S3 body before its end would make the HTTP client read the rest (possibly gigabytes) to reuse the
   * connection; abort it instead when decoding stopped early. Fully read bodies close normally and keep the
   * connection pooled.
   */
  private static final class AbortUnlessDrained extends java.io.FilterInputStream {
    private final ResponseInputStream<GetObjectResponse> response;
    private boolean drained;

    AbortUnlessDrained(ResponseInputStream<GetObjectResponse> response) {
      super(response);
      this.response = response;
    }

    @Override
    public int read() throws java.io.IOException {
      int b = super.read();
      drained |= b < 0;
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws java.io.IOException {
      int n = super.read(buf, off, len);
      drained |= n < 0;
      return n;
    }

    @Override
    public void close() throws java.io.IOException {
      if (!drained) {
        response.abort();
      }
      super.close();
    }
  }
}
