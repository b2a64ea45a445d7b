package dev.whodrove.runtime;

import java.time.Duration;

/**
 * How long {@link KafkaWorker} keeps retrying one record that fails transiently before it dead-letters it: at most
 * {@code maxAttempts} failed attempts or {@code maxElapsed} since the first, whichever comes first; a record whose
 * access is refused ({@link TransientFailure.Blame#AUTH}) gets {@code authMaxElapsed} instead, however many attempts
 * that takes. Failures of the environment have no budget.
 *
 * @param maxAttempts failed attempts after which a record is dead-lettered; 0 = no limit by count
 * @param maxElapsed time from a record's first failure after which it is dead-lettered; zero = no limit by time
 * @param authMaxElapsed the same for refused access
 */
public record RetryBudget(int maxAttempts, Duration maxElapsed, Duration authMaxElapsed) {
  public static final RetryBudget DEFAULT = new RetryBudget(10, Duration.ofMinutes(15), Duration.ofHours(1));

  /** Key suffixes under a service's retry prefix. */
  public static final String MAX_ATTEMPTS = "max.attempts";
  public static final String MAX_ELAPSED = "max.elapsed";
  public static final String AUTH_MAX_ELAPSED = "auth.max.elapsed";

  public RetryBudget {
    if (maxAttempts < 0 || maxElapsed.isNegative() || authMaxElapsed.isNegative()) {
      throw new IllegalArgumentException("negative retry budget");
    }
    if (maxAttempts == 0 && maxElapsed.isZero()) {
      throw new IllegalArgumentException("a retry budget needs a limit by count or by time");
    }
    if (authMaxElapsed.isZero()) {
      throw new IllegalArgumentException("the auth retry budget needs a time limit");
    }
  }

  /** {@code <prefix>max.attempts}, {@code <prefix>max.elapsed}, {@code <prefix>auth.max.elapsed}. */
  public static RetryBudget from(ServiceConfig cfg, String prefix) {
    try {
      return new RetryBudget(cfg.getInt(prefix + MAX_ATTEMPTS, DEFAULT.maxAttempts),
          cfg.getDuration(prefix + MAX_ELAPSED, DEFAULT.maxElapsed),
          cfg.getDuration(prefix + AUTH_MAX_ELAPSED, DEFAULT.authMaxElapsed));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("invalid config " + prefix + MAX_ATTEMPTS + " / " + prefix + MAX_ELAPSED + " / "
          + prefix + AUTH_MAX_ELAPSED + ": " + e.getMessage());
    }
  }

  /** Whether a record that failed {@code attempts} times, the first {@code elapsed} ago, has had its chances. */
  boolean exhausted(TransientFailure.Blame blame, int attempts, Duration elapsed) {
    if (blame == TransientFailure.Blame.AUTH) {
      return elapsed.compareTo(authMaxElapsed) >= 0;
    }
    return maxAttempts > 0 && attempts >= maxAttempts || !maxElapsed.isZero() && elapsed.compareTo(maxElapsed) >= 0;
  }

  /** The limits as a reason reads them: "10 attempts or 15m". */
  String describe(TransientFailure.Blame blame) {
    if (blame == TransientFailure.Blame.AUTH) {
      return Durations.text(authMaxElapsed);
    }
    String byCount = maxAttempts > 0 ? maxAttempts + " attempts" : "";
    String byTime = maxElapsed.isZero() ? "" : Durations.text(maxElapsed);
    return byCount.isEmpty() ? byTime : byTime.isEmpty() ? byCount : byCount + " or " + byTime;
  }
}
