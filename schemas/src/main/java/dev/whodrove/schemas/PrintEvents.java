package dev.whodrove.schemas;

import dev.whodrove.schemas.v1.PrintChunk;
import dev.whodrove.schemas.v1.PrintRun;
import dev.whodrove.schemas.v1.RecordingEvent;

/** The print events in a {@link RecordingEvent}, whether it holds one print or a packed {@link PrintRun}. */
public final class PrintEvents {
  /** Receives one print event. */
  @FunctionalInterface
  public interface Visitor {
    void print(PrintChunk chunk, long index, long timeMs);
  }

  private PrintEvents() {}

  /** Hands each print event of {@code e} to {@code v}, in recording order; other events have none. */
  public static void forEach(RecordingEvent e, Visitor v) {
    switch (e.getEventCase()) {
      case PRINT -> v.print(e.getPrint(), e.getIndex(), e.getTimeMs());
      case PRINTS -> {
        PrintRun run = e.getPrints();
        for (int i = 0; i < run.getChunksCount(); i++) {
          // a run missing its parallel lists still yields its chunks, at the record's own index and time
          long index = i < run.getIndexesCount() ? run.getIndexes(i) : e.getIndex();
          long time = i < run.getTimesMsCount() ? run.getTimesMs(i) : e.getTimeMs();
          v.print(run.getChunks(i), index, time);
        }
      }
      default -> { }
    }
  }

  /** The index of the last event in {@code e}: its own index, or the last chunk's for a run. */
  public static long lastIndex(RecordingEvent e) {
    if (e.hasPrints() && e.getPrints().getIndexesCount() > 0) {
      PrintRun run = e.getPrints();
      return run.getIndexes(run.getIndexesCount() - 1);
    }
    return e.getIndex();
  }
}
