package dev.whodrove.ingest.teleport;

/** What one ingestion pass did. */
public record IngestStats(long events, long rejected, long recordings) {
  public static final IngestStats NONE = new IngestStats(0, 0, 0);

  public IngestStats plus(IngestStats o) {
    return new IngestStats(events + o.events, rejected + o.rejected, recordings + o.recordings);
  }
}
