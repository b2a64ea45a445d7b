package dev.whodrove.decoder;

import dev.whodrove.schemas.v1.RecordingComplete;
import dev.whodrove.schemas.v1.RecordingEvent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.SequenceInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A ProtoStream recording decoded part by part, several parts at once. Each part of the object is a gzip member of
 * its own, its size in its header, and no event spans two parts, so inflating and framing (most of the work) can run
 * on as many threads as there are parts in flight. Worker threads each take the next whole part off the stream and
 * decode it into a buffer; the calling thread takes the parts in object order, applies Teleport's index rule and
 * hands the events on, so the sink sees them in recording order with the counts and errors of one reader.
 *
 * <p>Whatever does not fit this shape goes to one {@link ProtoStreamReader} on the calling thread, started where the
 * parts before it ended: a part whose header or body is cut short, a header that is not a part's, a part too big to
 * hold in memory, the end of the object. A part whose buffered output would grow past its share of the heap, or that
 * would cross the decompression cap, is decoded again on the calling thread, streaming, so the cap error falls on
 * the same record. With one thread every part is decoded on the calling thread, from the same part bytes, so the
 * result does not depend on the number of threads.
 *
 * <p>Memory: at most {@code threads + 1} parts in flight, each held as its bytes (Teleport writes 5 MiB parts) and
 * its decoded output, both capped at a share of the maximum heap; a heap too small for that share leaves every part
 * to the sequential reader.
 */
final class PartwiseDecode implements RawRecords {
  /** Parts, and outputs, above this are left to the calling thread. */
  private static final long MAX_SHARE = 32L << 20;

  private final InputStream in;
  private final DecodeLimits limits;
  private final RecordingDecoder.Progress progress;
  private final RecordingDecoder.Settings settings;
  private final int threads;
  /** Largest part (header, body, padding), and largest buffered output, a worker takes. */
  private final long share;

  // reading side: workers take parts off the stream one at a time
  private final Object readLock = new Object();
  private long readPosition;
  private int partsRead;
  private boolean readDone;
  private final LinkedBlockingQueue<CompletableFuture<Object>> order = new LinkedBlockingQueue<>();
  private final Semaphore inFlight;
  private volatile boolean stopped;

  // applying side: the calling thread
  private final IndexDedup dedup = new IndexDedup();
  private final PrintRecordEncoder prints;
  private final TeleportEventConverter converter;
  private int parts;
  private long decompressed;
  private long dangling;
  private boolean sawV2;
  private long position;

  private PartwiseDecode(InputStream in, DecodeLimits limits, RecordingDecoder.Progress progress,
      RecordingDecoder.Settings settings, int threads, long share) {
    this.in = in;
    this.limits = limits;
    this.progress = progress;
    this.settings = settings;
    this.threads = threads;
    this.inFlight = new Semaphore(threads + 1);
    this.share = share;
    this.prints = new PrintRecordEncoder(progress.sessionId, progress.uri, settings.payload());
    // prints published as serialized events are packed into runs, as one reader packs them
    progress.run = new PrintRecordEncoder(progress.sessionId, progress.uri, settings.payload());
    this.converter = new TeleportEventConverter(progress.sessionId, progress.uri, settings.payload());
  }

  /**
   * Bytes a part, and its decoded output, may take with {@code threads} threads: an eighth of the heap shared by the
   * parts in flight, at most {@value #MAX_SHARE}. A 64 MiB heap leaves Teleport's 5 MiB parts to the sequential
   * reader.
   */
  static long defaultShare(int threads) {
    return Math.min(MAX_SHARE, Runtime.getRuntime().maxMemory() / (8L * (threads + 1)));
  }

  /**
   * Decodes the ProtoStream object {@code in} (positioned at its start) into {@code progress} with {@code threads}
   * decoding threads, and fills the reader's counts into {@code complete}, also when it fails.
   *
   * @return the bytes of the object read
   */
  static long decode(InputStream in, DecodeLimits limits, RecordingDecoder.Progress progress,
      RecordingComplete.Builder complete, RecordingDecoder.Settings settings, int threads, long share)
      throws IOException {
    PartwiseDecode d = new PartwiseDecode(in, limits, progress, settings, threads, share);
    try {
      d.run();
      return d.position;
    } finally {
      complete.setFormat((d.sawV2 ? RecordingFormat.PROTOSTREAM_V2 : RecordingFormat.PROTOSTREAM_V1).label())
          .setTotalEvents(d.dedup.totalEvents())
          .setSkippedEvents(d.dedup.skippedEvents())
          .setOutOfOrderEvents(d.dedup.outOfOrderEvents())
          .setParts(d.parts)
          .setDecompressedBytes(d.decompressed);
    }
  }

  /**
   * Hands every record {@code reader} yields to {@code out}, before the index rule: the decoding both sides share.
   */
  static void records(ProtoStreamReader reader, PrintRecordEncoder prints, TeleportEventConverter converter,
      RawRecords out) throws IOException {
    while (reader.nextRaw()) {
      byte[] buf = reader.recordBuffer();
      int off = reader.recordOffset();
      int len = reader.recordLength();
      if (PrintRecordEncoder.isPrint(buf, off, len) && prints.parse(buf, off, len)) {
        out.print(prints.index, prints.timeMs, prints.parsedBytes(), prints.parsedDelayMs(),
            prints.parsedChunkIndex(), prints.parsedOffset(), prints.parsedCounts());
        continue;
      }
      long index = reader.currentIndex();
      Object converted;
      try {
        RecordingEvent e = RecordingDecoder.convert(converter, reader);
        converted = e == null ? NOTHING : e;
      } catch (RecordingDecodeException e) {
        converted = new LateError(e, reader.stats().decompressedBytes());
      }
      out.other(index, converted);
    }
  }

  // ---- the calling thread ----

  private void run() throws IOException {
    List<Thread> workers = new ArrayList<>();
    if (threads > 1) {
      for (int i = 0; i < threads; i++) {
        Thread t = new Thread(this::work, "whodrove-decode-" + (i + 1));
        t.setDaemon(true);
        workers.add(t);
        t.start();
      }
    }
    try {
      while (true) {
        Object item = threads > 1 ? next() : readPart();
        if (item instanceof Part part) {
          apply(part);
          recycle(part);
          inFlight.release();
        } else if (item instanceof Tail tail) {
          // every part before it was applied: the reader goes on from where they ended
          sequential(new ProtoStreamReader(tail.stream(in), limits,
              new ProtoStreamReader.Start(tail.start(), parts, decompressed)));
          return;
        } else if (item instanceof Failed failed) {
          throw rethrow(failed.error());
        }
      }
    } finally {
      stopped = true;
      inFlight.release(threads + 1);
    }
  }

  private Object next() throws IOException {
    try {
      return order.take().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while decoding " + progress.uri);
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    }
  }

  /** Hands a decoded part on, or decodes it here when its output was not kept or it crosses the cap. */
  private void apply(Part part) throws IOException {
    if (part.output == null || decompressed + part.decompressed > limits.maxDecompressedBytes()) {
      sequential(new ProtoStreamReader(part.bytes, part.length, limits.withObjectSize(-1),
          part.start(parts, decompressed)));
      return;
    }
    long before = decompressed;
    parts = part.number;
    sawV2 |= part.v2;
    try {
      part.output.replay(this);
    } catch (LateErrorThrown e) {
      decompressed = before + e.late.decompressedInPart();
      throw e.late.error();
    }
    decompressed = before + part.decompressed;
    dangling += part.dangling;
    position = part.start + part.length;
    if (part.failure != null) {
      throw rethrow(part.failure);
    }
  }

  /** Decodes what {@code reader} reads on this thread, streaming into the sink. */
  private void sequential(ProtoStreamReader reader) throws IOException {
    try {
      records(reader, prints, converter, this);
    } catch (LateErrorThrown e) {
      throw e.late.error();
    } finally {
      ProtoStreamReader.Stats s = reader.stats();
      parts = s.parts();
      decompressed = s.decompressedBytes();
      dangling += s.danglingBytes();
      sawV2 |= reader.format() == RecordingFormat.PROTOSTREAM_V2;
      position = s.bytesRead();
      reader.closeInflater();
    }
  }

  @Override
  public void print(long index, long timeMs, long bytes, long delayMs, long chunkIndex, long offset, long counts) {
    if (dedup.keep(index)) {
      progress.print(index, timeMs, bytes, delayMs, chunkIndex, offset, counts);
    }
  }

  @Override
  public void other(long index, Object converted) {
    if (!dedup.keep(index) || converted == NOTHING) {
      return;
    }
    if (converted instanceof LateError late) {
      throw new LateErrorThrown(late);
    }
    progress.emit((RecordingEvent) converted);
  }

  /** Carries a kept {@link LateError} out of the record loop, which only throws IOExceptions. */
  private static final class LateErrorThrown extends RuntimeException {
    final LateError late;

    LateErrorThrown(LateError late) {
      super(null, null, false, false);
      this.late = late;
    }
  }

  // ---- reading parts ----

  /** A whole part as read from the object: {@code bytes} hold its header, body and padding. */
  private static final class Part {
    final int number;
    final long start;
    final byte[] bytes;
    final int length;
    // set by the thread that decoded it
    PartOutput output;
    Throwable failure;
    long decompressed;
    long dangling;
    boolean v2;

    Part(int number, long start, byte[] bytes, int length) {
      this.number = number;
      this.start = start;
      this.bytes = bytes;
      this.length = length;
    }

    ProtoStreamReader.Start start(int partsBefore, long decompressedBefore) {
      return new ProtoStreamReader.Start(start, partsBefore, decompressedBefore);
    }
  }

  /** The rest of the object, from {@code start} on: {@code prefix} already read, then the stream. */
  private record Tail(long start, byte[] prefix, int length) {
    InputStream stream(InputStream rest) {
      return new SequenceInputStream(new ByteArrayInputStream(prefix, 0, length), rest);
    }
  }

  /** The stream failed while a part was read. */
  private record Failed(Throwable error) {}

  /** The next item of the object: a whole {@link Part}, or the {@link Tail} once the rest is not one. */
  private Object readPart() throws IOException {
    long start = readPosition;
    byte[] head = new byte[ProtoStreamReader.V2_HEADER_BYTES];
    int n = in.readNBytes(head, 0, 8);
    if (n < 8) {
      return tail(start, head, n);
    }
    long version = bigEndianLong(head, 0);
    int headerBytes = version == 1 ? ProtoStreamReader.V1_HEADER_BYTES
        : version == 2 ? ProtoStreamReader.V2_HEADER_BYTES : 0;
    if (headerBytes == 0) {
      return tail(start, head, n);
    }
    n += in.readNBytes(head, 8, headerBytes - 8);
    if (n < headerBytes) {
      return tail(start, head, n);
    }
    long body = bigEndianLong(head, 8);
    long padding = bigEndianLong(head, 16);
    boolean fits = body >= 0 && padding >= 0 && body <= share && padding <= share
        && headerBytes + body + padding <= share
        && (limits.objectSize() < 0 || start + headerBytes + body + padding <= limits.objectSize());
    if (!fits) {
      return tail(start, head, n);
    }
    int length = (int) (headerBytes + body + padding);
    byte[] bytes = partBuffer(length);
    System.arraycopy(head, 0, bytes, 0, headerBytes);
    int got = in.readNBytes(bytes, headerBytes, length - headerBytes);
    if (got < length - headerBytes) {
      return tail(start, bytes, headerBytes + got);
    }
    readPosition += length;
    return new Part(++partsRead, start, bytes, length);
  }

  private Object tail(long start, byte[] prefix, int length) {
    readDone = true;
    return new Tail(start, prefix, length);
  }

  private static long bigEndianLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }

  // ---- buffers: a few parts' worth, used over and over (fresh multi-MiB arrays per part cost GC cycles) ----

  private final ConcurrentLinkedQueue<byte[]> partBuffers = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<PartOutput> outputs = new ConcurrentLinkedQueue<>();

  private byte[] partBuffer(int length) {
    byte[] b = partBuffers.poll();
    return b != null && b.length >= length ? b : new byte[length];
  }

  private void recycle(Part part) {
    partBuffers.offer(part.bytes);
    if (part.output != null) {
      part.output.clear();
      outputs.offer(part.output);
    }
  }

  // ---- decoding threads ----

  private void work() {
    PrintRecordEncoder enc = new PrintRecordEncoder(progress.sessionId, progress.uri, settings.payload());
    TeleportEventConverter conv = new TeleportEventConverter(progress.sessionId, progress.uri, settings.payload());
    try {
      while (true) {
        while (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          if (stopped) {
            return;
          }
        }
        CompletableFuture<Object> slot = new CompletableFuture<>();
        Object item;
        synchronized (readLock) {
          if (readDone || stopped) {
            return;
          }
          try {
            item = readPart();
          } catch (Throwable e) { // the stream failed, or no memory for the part: it ends where this part began
            readDone = true;
            item = new Failed(e);
          }
          order.add(slot);
        }
        if (item instanceof Part part) {
          decodeBuffered(part, enc, conv);
        }
        slot.complete(item);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // nothing interrupts these threads but the end of the JVM
    }
  }

  private void decodeBuffered(Part part, PrintRecordEncoder enc, TeleportEventConverter conv) {
    ProtoStreamReader reader = new ProtoStreamReader(part.bytes, part.length, limits.withObjectSize(-1),
        part.start(part.number - 1, 0));
    PartOutput out = outputs.poll();
    if (out == null) {
      out = new PartOutput(share);
    }
    try {
      records(reader, enc, conv, out);
      part.output = out;
    } catch (PartOutput.Full e) {
      part.output = null; // decoded again on the calling thread, streaming
      out.clear();
      outputs.offer(out);
    } catch (Throwable e) {
      part.output = out;
      part.failure = e;
    } finally {
      ProtoStreamReader.Stats s = reader.stats();
      part.decompressed = s.decompressedBytes();
      part.dangling = s.danglingBytes();
      part.v2 = reader.format() == RecordingFormat.PROTOSTREAM_V2;
      reader.closeInflater();
    }
  }

  private static IOException rethrow(Throwable t) {
    if (t instanceof IOException io) {
      return io;
    }
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IOException(t);
  }
}
