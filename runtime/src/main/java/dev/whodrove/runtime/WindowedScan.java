package dev.whodrove.runtime;

import java.time.Duration;
import java.time.Instant;

/**
 * The window arithmetic of a source that queries a time-partitioned store (Athena, BigQuery) and keeps a
 * {@link Watermark}: live, each window starts {@code overlap} before the previous end (records that reach the store
 * late are still found) and spans at most {@code maxWindow} beyond that, up to now; the watermark is saved after each
 * window, only once the window's records were acknowledged. A backfill runs the same windows over a fixed range and
 * keeps nothing.
 */
public final class WindowedScan {
  /** Queries one window {@code [from, until)} and returns the watermark after it (records acknowledged). */
  @FunctionalInterface
  public interface Window {
    Watermark run(Instant from, Instant until, Watermark before) throws InterruptedException;
  }

  private final Duration overlap;
  private final Duration maxWindow;

  public WindowedScan(Duration overlap, Duration maxWindow) {
    if (maxWindow.isZero() || maxWindow.isNegative()) {
      throw new IllegalArgumentException("the longest window must be positive");
    }
    this.overlap = overlap;
    this.maxWindow = maxWindow;
  }

  public Duration overlap() {
    return overlap;
  }

  /**
   * Live mode: windows from {@code watermark} up to {@code now}, each saved through {@code store} under {@code key}
   * once done. Returns the last watermark (the given one when there was nothing to query).
   */
  public Watermark catchUp(Watermark watermark, Instant now, Window window, WatermarkStore store, String key)
      throws InterruptedException {
    Watermark wm = watermark;
    while (true) {
      Instant scanned = Instant.ofEpochMilli(wm.scannedUntilMs());
      Instant from = scanned.minus(overlap);
      Instant until = min(now, scanned.plus(maxWindow));
      if (!until.isAfter(scanned)) {
        return wm;
      }
      wm = window.run(from, until, wm);
      store.save(key, wm);
      if (!until.isBefore(now)) {
        return wm;
      }
    }
  }

  /** Backfill: the windows of {@code [since, until)}, one after another; no watermark is read or saved. */
  public Watermark backfill(Instant since, Instant until, Window window) throws InterruptedException {
    Watermark wm = Watermark.startingAt(since.toEpochMilli());
    Instant from = since;
    while (from.isBefore(until)) {
      Instant to = min(until, from.plus(maxWindow));
      wm = window.run(from, to, wm);
      from = to;
    }
    return wm;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
