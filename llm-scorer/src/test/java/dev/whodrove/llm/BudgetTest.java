package dev.whodrove.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BudgetTest {

  /** A token budget on a fake clock: "waiting" advances time to when the oldest reservation leaves the window. */
  @Test
  void tokenBudgetWaitsForTheWindowAndSettlesToActualUsage() throws Exception {
    AtomicLong now = new AtomicLong();
    AtomicLong waited = new AtomicLong();
    TokenBudget budget = new TokenBudget(1000, new TokenBudget.Clock() {
      @Override
      public long nanoTime() {
        return now.get();
      }

      @Override
      public void await(Object monitor, long nanos) {
        waited.addAndGet(nanos);
        now.addAndGet(nanos);
      }
    });
    TokenBudget.Reservation a = budget.reserve(600);
    budget.settle(a, 300);
    budget.reserve(600); // fits after settling: 300 + 600
    assertThat(waited.get()).isZero();
    budget.reserve(400); // does not fit: waits until the first leaves the window
    assertThat(waited.get()).isEqualTo(60_000_000_000L);
    assertThat(budget.used()).isEqualTo(400);
    // a call larger than the whole budget still goes out once the window is empty
    now.addAndGet(120_000_000_000L);
    assertThat(budget.reserve(5000).tokens()).isEqualTo(5000);
  }

  @Test
  void dailyCapCountsAnsweredUnansweredAndPendingCallsAndRollsOver() {
    AtomicLong answered = new AtomicLong();
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T23:00:00Z"));
    DailyCallCap cap = new DailyCallCap(3, clock, day -> answered.get());
    assertThat(cap.tryAcquire()).isTrue();
    assertThat(cap.tryAcquire()).isTrue();
    answered.set(1);
    cap.release(true, true); // answered: now counted by the log
    cap.release(true, false); // no answer: counted locally
    assertThat(cap.usedToday()).isEqualTo(2);
    assertThat(cap.tryAcquire()).isTrue();
    assertThat(cap.tryAcquire()).isFalse();
    assertThat(cap.hasRoom()).isFalse();
    clock.now = Instant.parse("2026-03-02T00:00:01Z");
    answered.set(0);
    cap.release(false, false);
    assertThat(cap.hasRoom()).isTrue();
    assertThat(cap.usedToday()).isZero();
  }

  static final class MutableClock extends Clock {
    volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
