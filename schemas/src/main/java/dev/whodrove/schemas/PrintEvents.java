package dev.whodrove.schemas;

import com.google.protobuf.ByteString;
import dev.whodrove.schemas.v1.PrintChunk;
import dev.whodrove.schemas.v1.PrintRun;
import dev.whodrove.schemas.v1.RecordingEvent;
import java.util.List;

/** The print events in a {@link RecordingEvent}, whether it holds one print or a packed {@link PrintRun}. */
public final class PrintEvents {
  /** Receives one print event: its index, time and chunk. */
  @FunctionalInterface
  public interface Visitor {
    void print(long index, long timeMs, PrintChunk chunk);
  }

  /** Receives the numbers of one print event the cadence features read, without a chunk object. */
  @FunctionalInterface
  public interface CountsVisitor {
    void print(long index, long timeMs, long bytes, long delayMs, int editChars);
  }

  private PrintEvents() {}

  /**
   * Like {@link #forEach}, handing over only the numbers: the same values, without building a {@link PrintChunk}
   * per print of a run (which cost featurization about a fifth of its time).
   */
  public static void forEachCounts(RecordingEvent e, CountsVisitor v) {
    switch (e.getEventCase()) {
      case PRINT -> {
        PrintChunk p = e.getPrint();
        v.print(e.getIndex(), e.getTimeMs(), p.getBytes(), p.getDelayMs(), p.getEditChars());
      }
      case PRINTS -> {
        PrintRun r = e.getPrints();
        int n = r.getIndexesCount();
        boolean complete = r.getTimesMsCount() == n && r.getBytesCount() == n && r.getDelaysMsCount() == n
            && r.getEditCharsCount() == n;
        if (!complete) { // a writer that left a list out: the general reading
          forEach(e, (index, timeMs, chunk) -> v.print(index, timeMs, chunk.getBytes(), chunk.getDelayMs(),
              chunk.getEditChars()));
          return;
        }
        long index = 0;
        long time = 0;
        long delay = 0;
        for (int i = 0; i < n; i++) {
          index += r.getIndexes(i);
          time += r.getTimesMs(i);
          delay += r.getDelaysMs(i);
          v.print(index, time, r.getBytes(i), delay, (int) r.getEditChars(i));
        }
      }
      default -> { }
    }
  }

  /** Hands each print event of {@code e} to {@code v}, in recording order; other events have none. */
  public static void forEach(RecordingEvent e, Visitor v) {
    switch (e.getEventCase()) {
      case PRINT -> v.print(e.getIndex(), e.getTimeMs(), e.getPrint());
      case PRINTS -> {
        PrintRun r = e.getPrints();
        long index = 0;
        long time = 0;
        long delay = 0;
        long chunk = 0;
        long offset = 0;
        for (int i = 0; i < r.getIndexesCount(); i++) {
          // delta-coded lists add up; a list shorter than the run (a writer that left it out) reads as 0
          index += r.getIndexes(i);
          time += i < r.getTimesMsCount() ? r.getTimesMs(i) : 0;
          delay += i < r.getDelaysMsCount() ? r.getDelaysMs(i) : 0;
          chunk += i < r.getChunkIndexesCount() ? r.getChunkIndexes(i) : 0;
          offset += i < r.getOffsetsCount() ? r.getOffsets(i) : 0;
          v.print(index, time, PrintChunk.newBuilder()
              .setBytes(i < r.getBytesCount() ? r.getBytes(i) : 0)
              .setDelayMs(delay)
              .setChunkIndex(chunk)
              .setOffset(offset)
              .setEditChars(i < r.getEditCharsCount() ? (int) r.getEditChars(i) : 0)
              .setNewlines(i < r.getNewlinesCount() ? (int) r.getNewlines(i) : 0)
              .setEscapeSequences(i < r.getEscapeSequencesCount() ? (int) r.getEscapeSequences(i) : 0)
              .setRaw(i < r.getRawCount() ? r.getRaw(i) : ByteString.EMPTY)
              .build());
        }
      }
      default -> { }
    }
  }

  /**
   * The run of the given prints ({@code indexAndTime.get(i)} = {index, time ms} of chunk i) as the decoder writes it;
   * {@code withRaw} adds every chunk's raw bytes (decoder.print.payload=raw).
   */
  public static PrintRun run(List<long[]> indexAndTime, List<PrintChunk> chunks, boolean withRaw) {
    PrintRun.Builder r = PrintRun.newBuilder();
    long[] previous = new long[5];
    for (int i = 0; i < chunks.size(); i++) {
      PrintChunk c = chunks.get(i);
      long[] now = {indexAndTime.get(i)[0], indexAndTime.get(i)[1], c.getDelayMs(), c.getChunkIndex(), c.getOffset()};
      r.addIndexes(now[0] - previous[0]).addTimesMs(now[1] - previous[1]).addBytes(c.getBytes())
          .addDelaysMs(now[2] - previous[2]).addChunkIndexes(now[3] - previous[3]).addOffsets(now[4] - previous[4])
          .addEditChars(c.getEditChars()).addNewlines(c.getNewlines()).addEscapeSequences(c.getEscapeSequences());
      if (withRaw) {
        r.addRaw(c.getRaw());
      }
      previous = now;
    }
    return r.build();
  }
}
