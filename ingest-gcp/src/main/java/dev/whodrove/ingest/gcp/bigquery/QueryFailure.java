package dev.whodrove.ingest.gcp.bigquery;

import com.google.cloud.bigquery.BigQueryError;
import com.google.cloud.bigquery.BigQueryException;
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.TransientFailure;
import java.util.Set;

/**
 * What a failed BigQuery call means for the source, from the error's reason first (a 403 is a quota as often as a
 * refusal) and its HTTP status second, as the S3 store classifies 401 and 403. Each kind maps to the runtime's
 * {@link TransientFailure.Blame}: quotas and server trouble are the environment's (retried with backoff until they
 * pass), refused access is the credentials' (retried within the auth budget, as keys and grants may be on their way,
 * then the source stops), and a query BigQuery will refuse again the same way is nobody's to retry quickly.
 */
enum QueryFailure {
  /** quotaExceeded, rateLimitExceeded (403 or 429): wait and retry. */
  QUOTA(TransientFailure.Blame.ENVIRONMENT),
  /** 5xx, backendError, internalError, a connection that failed: retry. */
  TRANSIENT(TransientFailure.Blame.ENVIRONMENT),
  /** accessDenied, 401, another 403: the roles are missing or the credentials are refused. */
  ACCESS_DENIED(TransientFailure.Blame.AUTH),
  /** bytesBilledLimitExceeded: the window would bill more than {@code maximumBytesBilled} (and cost nothing). */
  BYTES_LIMIT(null),
  /** invalidQuery, notFound, billingNotEnabled, …: a configuration to fix. */
  INVALID(null);

  private static final Set<String> QUOTA_REASONS = Set.of("quotaExceeded", "rateLimitExceeded");
  private static final Set<String> TRANSIENT_REASONS = Set.of("backendError", "internalError", "jobBackendError",
      "jobInternalError", "tableUnavailable");
  private static final Set<String> DENIED_REASONS = Set.of("accessDenied", "forbidden", "unauthorized",
      "authError", "authenticationError");

  /** Whose failure it is, or null for a query that fails the same way until its configuration changes. */
  final TransientFailure.Blame blame;

  QueryFailure(TransientFailure.Blame blame) {
    this.blame = blame;
  }

  static QueryFailure of(Throwable t) {
    BigQueryException bq = find(t);
    if (bq == null) {
      return t instanceof java.io.IOException || find(t, java.io.IOException.class) != null ? TRANSIENT : INVALID;
    }
    String reason = reason(bq);
    if (QUOTA_REASONS.contains(reason)) {
      return QUOTA;
    }
    if ("bytesBilledLimitExceeded".equals(reason)) {
      return BYTES_LIMIT;
    }
    if (TRANSIENT_REASONS.contains(reason)) {
      return TRANSIENT;
    }
    if (DENIED_REASONS.contains(reason)) {
      return ACCESS_DENIED;
    }
    int code = bq.getCode();
    if (code == 429) {
      return QUOTA;
    }
    if (code == 401 || code == 403) {
      return reason.isEmpty() ? ACCESS_DENIED : INVALID; // billingNotEnabled and the like: a setting, not a grant
    }
    if (code >= 500 || (code == 0 && bq.getCause() instanceof java.io.IOException)) {
      return TRANSIENT;
    }
    return INVALID;
  }

  /** The error's reason (the first error's when a job failed), or "". */
  static String reason(BigQueryException e) {
    if (e.getReason() != null) {
      return e.getReason();
    }
    if (e.getError() != null && e.getError().getReason() != null) {
      return e.getError().getReason();
    }
    if (e.getErrors() != null) {
      for (BigQueryError err : e.getErrors()) {
        if (err.getReason() != null) {
          return err.getReason();
        }
      }
    }
    return "";
  }

  /** One line for logs and {@code /readyz}. */
  static String describe(Throwable t) {
    BigQueryException bq = find(t);
    if (bq == null) {
      return Errors.oneLine(t);
    }
    String reason = reason(bq);
    return "BigQuery " + (bq.getCode() > 0 ? bq.getCode() + " " : "") + (reason.isEmpty() ? "" : reason + ": ")
        + Errors.oneLine(new RuntimeException(bq.getMessage()));
  }

  private static BigQueryException find(Throwable t) {
    return find(t, BigQueryException.class);
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }
}
