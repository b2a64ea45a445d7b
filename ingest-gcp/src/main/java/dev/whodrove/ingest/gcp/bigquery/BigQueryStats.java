package dev.whodrove.ingest.gcp.bigquery;

/**
 * What BigQuery polls or a backfill did.
 *
 * @param queries query jobs run (windows of tables that had something to read)
 * @param rows rows the queries returned
 * @param produced entries written to {@code gcp.audit.entries}
 * @param duplicates rows already published: by an earlier window's overlap (the watermark's ids) or within this run
 * @param deadLettered rows written to the dead-letter topic
 * @param bytesBilled bytes BigQuery billed for the queries
 * @param bytesProcessed bytes the queries read
 */
public record BigQueryStats(long queries, long rows, long produced, long duplicates, long deadLettered,
    long bytesBilled, long bytesProcessed) {
  public static final BigQueryStats NONE = new BigQueryStats(0, 0, 0, 0, 0, 0, 0);

  public BigQueryStats plus(BigQueryStats o) {
    return new BigQueryStats(queries + o.queries, rows + o.rows, produced + o.produced, duplicates + o.duplicates,
        deadLettered + o.deadLettered, bytesBilled + o.bytesBilled, bytesProcessed + o.bytesProcessed);
  }
}
