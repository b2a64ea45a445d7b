package dev.whodrove.runtime;

import java.time.Instant;

/** What a backfill over a fixed time range reports after each window it finished (the CLI prints it). */
@FunctionalInterface
public interface BackfillProgress {
  BackfillProgress NONE = (source, from, until, since, rangeUntil, rows, bytesScanned) -> {};

  /**
   * @param source what was queried (an Athena table, a BigQuery table)
   * @param from start of the finished window
   * @param until end of the finished window (exclusive)
   * @param since start of the whole range
   * @param rangeUntil end of the whole range
   * @param rows rows the window's query returned
   * @param bytesScanned bytes the query scanned (billed), or -1 when the store did not say
   */
  void window(String source, Instant from, Instant until, Instant since, Instant rangeUntil, long rows,
      long bytesScanned);
}
