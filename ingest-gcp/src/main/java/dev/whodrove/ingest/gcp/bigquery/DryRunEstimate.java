package dev.whodrove.ingest.gcp.bigquery;

import java.time.Instant;

/**
 * What one window's query would do, from a BigQuery dry-run job (nothing read, nothing billed).
 *
 * @param table the table or wildcard it reads
 * @param from window start
 * @param until window end (exclusive)
 * @param query the query text and its parameters; empty when there is nothing to read (no table or shard yet)
 * @param bytesProcessed what BigQuery estimates the query would read (and bill, at least 10 MB per table), or 0
 */
public record DryRunEstimate(String table, Instant from, Instant until, String query, long bytesProcessed) {}
