package dev.whodrove.decoder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One part's records as a decoding thread buffers them for the calling thread: seven numbers per record (index,
 * time, bytes, delay, chunk index, offset, packed terminal-byte counts; a record that is not a print keeps only its
 * index and points to its converted event). Bounded: past {@code maxBytes} it gives up with {@link Full}.
 */
final class PartOutput implements RawRecords {
  private static final int ROW = 7;
  /** Bytes a record takes here: its row and its slot. */
  private static final int RECORD_BYTES = ROW * Long.BYTES + Integer.BYTES;

  /** The part's output would pass its bound. */
  static final class Full extends RuntimeException {
    Full() {
      super("part output over its bound", null, false, false);
    }
  }

  private final long maxRecords;
  private long[] rows = new long[ROW * 4096];
  /** Per record: -1 for a print, else the position of its converted event in {@link #others}. */
  private int[] slots = new int[4096];
  private final List<Object> others = new ArrayList<>();
  private int count;

  PartOutput(long maxBytes) {
    this.maxRecords = maxBytes / RECORD_BYTES;
  }

  @Override
  public void print(long index, long timeMs, long bytes, long delayMs, long chunkIndex, long offset, long counts) {
    int at = room();
    long[] r = rows;
    r[at] = index;
    r[at + 1] = timeMs;
    r[at + 2] = bytes;
    r[at + 3] = delayMs;
    r[at + 4] = chunkIndex;
    r[at + 5] = offset;
    r[at + 6] = counts;
    slots[count++] = -1;
  }

  @Override
  public void other(long index, Object converted) {
    int at = room();
    rows[at] = index;
    slots[count++] = others.size();
    others.add(converted);
  }

  /** Empties it for another part; its arrays stay. */
  void clear() {
    count = 0;
    others.clear();
  }

  /** Hands the records to {@code to}, in the order they came. */
  void replay(RawRecords to) throws IOException {
    long[] r = rows;
    for (int i = 0, at = 0; i < count; i++, at += ROW) {
      int slot = slots[i];
      if (slot < 0) {
        to.print(r[at], r[at + 1], r[at + 2], r[at + 3], r[at + 4], r[at + 5], r[at + 6]);
      } else {
        to.other(r[at], others.get(slot));
      }
    }
  }

  private int room() {
    if (count == slots.length) {
      if (count >= maxRecords) {
        throw new Full();
      }
      int grown = (int) Math.min(maxRecords, 2L * count);
      rows = java.util.Arrays.copyOf(rows, ROW * grown);
      slots = java.util.Arrays.copyOf(slots, grown);
    }
    return count * ROW;
  }
}
