package dev.whodrove.llm;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.function.Function;

/**
 * A cap on model calls per UTC day. Answered calls are counted from the completed log (so the count survives restarts
 * and includes other instances' calls once they reach the log); calls in flight and calls that got no answer are
 * counted locally. When the cap is reached, {@link #tryAcquire()} says no and the caller leaves the escalation
 * uncommitted until the next day.
 */
public final class DailyCallCap {
  private final long cap;
  private final Clock clock;
  private final Function<LocalDate, Long> answeredOn;
  private LocalDate day;
  private long pending;
  private long unanswered;

  /** @param cap calls per day; 0 means no cap */
  public DailyCallCap(long cap, Clock clock, Function<LocalDate, Long> answeredOn) {
    this.cap = cap;
    this.clock = clock;
    this.answeredOn = answeredOn;
    this.day = today();
  }

  /** Takes one call from today's allowance, or returns false when it is used up. */
  public synchronized boolean tryAcquire() {
    roll();
    if (cap > 0 && used() >= cap) {
      return false;
    }
    pending++;
    return true;
  }

  /**
   * Ends a call taken with {@link #tryAcquire()}. An answered call must already be in the completed log; one without
   * answer stays counted here. A call that never happened ({@code happened=false}) gives its allowance back.
   */
  public synchronized void release(boolean happened, boolean answered) {
    pending = Math.max(0, pending - 1);
    if (happened && !answered) {
      unanswered++;
    }
  }

  /** Whether a call could be made now. */
  public synchronized boolean hasRoom() {
    roll();
    return cap <= 0 || used() < cap;
  }

  /** Calls counted against today. */
  public synchronized long usedToday() {
    roll();
    return used();
  }

  private long used() {
    return answeredOn.apply(day) + pending + unanswered;
  }

  private void roll() {
    LocalDate now = today();
    if (!now.equals(day)) {
      day = now;
      unanswered = 0;
    }
  }

  private LocalDate today() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
  }
}
