package dev.whodrove.llm;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A tokens-per-minute budget over a sliding 60-second window. A call reserves its estimated tokens before it is made
 * (waiting while the window is full) and settles to the tokens the server reported afterwards. A single call larger
 * than the whole budget still goes out once the window is empty, so nothing waits forever.
 */
public final class TokenBudget {
  private static final long WINDOW_NANOS = 60_000_000_000L;

  /** Time source and sleeper, replaceable in tests. */
  public interface Clock {
    long nanoTime();

    void await(Object monitor, long nanos) throws InterruptedException;

    Clock SYSTEM = new Clock() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public void await(Object monitor, long nanos) throws InterruptedException {
        long ms = Math.max(1, nanos / 1_000_000);
        monitor.wait(ms);
      }
    };
  }

  /** Tokens held by one call. */
  public static final class Reservation {
    private final long at;
    private long tokens;

    private Reservation(long at, long tokens) {
      this.at = at;
      this.tokens = tokens;
    }

    public long tokens() {
      return tokens;
    }
  }

  private final long perMinute;
  private final Clock clock;
  private final Deque<Reservation> window = new ArrayDeque<>();
  private long used;
  private volatile int waiting;

  /** @param perMinute tokens per minute; 0 means unlimited */
  public TokenBudget(long perMinute, Clock clock) {
    this.perMinute = perMinute;
    this.clock = clock;
  }

  /** Blocks until {@code tokens} fit in the window, then holds them. */
  public synchronized Reservation reserve(long tokens) throws InterruptedException {
    if (perMinute <= 0) {
      return new Reservation(clock.nanoTime(), tokens);
    }
    waiting++;
    try {
      while (true) {
        long now = clock.nanoTime();
        expire(now);
        if (used + tokens <= perMinute || window.isEmpty()) {
          Reservation r = new Reservation(now, tokens);
          window.addLast(r);
          used += tokens;
          return r;
        }
        long until = window.peekFirst().at + WINDOW_NANOS - now;
        clock.await(this, Math.max(until, 1_000_000L));
      }
    } finally {
      waiting--;
    }
  }

  /** Replaces the estimate with what the call actually used (if known) and wakes waiters when it shrank. */
  public synchronized void settle(Reservation r, long actualTokens) {
    if (perMinute <= 0 || actualTokens < 0) {
      return;
    }
    if (window.contains(r)) {
      used += actualTokens - r.tokens;
    }
    r.tokens = actualTokens;
    notifyAll();
  }

  /** Tokens held in the current window. */
  public synchronized long used() {
    expire(clock.nanoTime());
    return used;
  }

  /** Calls currently waiting for room in the window. */
  public int waiting() {
    return waiting;
  }

  private void expire(long now) {
    while (!window.isEmpty() && now - window.peekFirst().at >= WINDOW_NANOS) {
      used -= window.removeFirst().tokens;
    }
  }
}
