package dev.whodrove.ingest.gcp;

/**
 * What one archive pass did.
 *
 * @param files files read to the end
 * @param skippedFiles files skipped because an earlier run completed them
 * @param lines non-blank lines read
 * @param produced entries written to {@code gcp.audit.entries}
 * @param duplicates entries already written within the de-duplication window
 * @param deadLettered lines written to the dead-letter topic
 * @param failed lines neither written nor dead-lettered (their file is not marked complete)
 */
public record ArchiveStats(int files, int skippedFiles, long lines, long produced, long duplicates,
    long deadLettered, long failed) {

  public static final ArchiveStats EMPTY = new ArchiveStats(0, 0, 0, 0, 0, 0, 0);

  public ArchiveStats plus(ArchiveStats o) {
    return new ArchiveStats(files + o.files, skippedFiles + o.skippedFiles, lines + o.lines, produced + o.produced,
        duplicates + o.duplicates, deadLettered + o.deadLettered, failed + o.failed);
  }
}
