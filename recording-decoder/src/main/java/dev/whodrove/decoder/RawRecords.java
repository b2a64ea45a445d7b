package dev.whodrove.decoder;

import java.io.IOException;

/**
 * What a ProtoStream reader's records are handed to before Teleport's index rule, in record order: by the threads that
 * decode parts, to a buffer, and by the thread that applies the rule, to the sink.
 */
interface RawRecords {
  /** A record that converts to no event. */
  Object NOTHING = new Object();

  /** A record that fails only once kept (bad event, bad time), with its part's inflated bytes up to it. */
  record LateError(RecordingDecodeException error, long decompressedInPart) {}

  /**
   * A print taken by the fast path: PrintChunk's numbers, {@code counts} packed as {@link TerminalBytes#count} packs
   * edit characters, newlines and escape sequences.
   */
  void print(long index, long timeMs, long bytes, long delayMs, long chunkIndex, long offset, long counts);

  /**
   * A record that is not a print taken by the fast path: its converted event, {@link #NOTHING}, or a
   * {@link LateError} to raise if the index rule keeps it.
   */
  void other(long index, Object converted) throws IOException;
}
