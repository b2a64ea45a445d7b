package dev.whodrove.decoder;

import com.google.protobuf.ByteString;
import dev.whodrove.schemas.PrintEvents;
import dev.whodrove.schemas.v1.PrintChunk;
import dev.whodrove.schemas.v1.RecordingComplete;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.Resized;
import dev.whodrove.schemas.v1.SessionEnded;
import dev.whodrove.schemas.v1.SessionStarted;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * Decodes one stored recording into {@link RecordingEvent}s handed to a sink in recording order, always followed by
 * exactly one {@code RecordingComplete}. A recording whose bytes are bad still ends with its RecordingComplete, with
 * {@code parse_error} set and the events decoded before the problem already emitted. Output depends only on the
 * bytes and the reference, so decoding the same object twice gives the same events.
 */
public final class RecordingDecoder {

  /**
   * @param limits hostile-input bounds (object size filled in per recording)
   * @param payload whether print events carry raw bytes
   * @param includeDecodeTime fill {@code RecordingComplete.decode_ms} (wall clock, so output is no longer identical
   *     on re-decode)
   */
  public record Settings(DecodeLimits limits, PrintPayload payload, boolean includeDecodeTime) {
    public static Settings defaults() {
      return new Settings(DecodeLimits.defaults(), PrintPayload.DERIVED, false);
    }
  }

  /** How a decode ended: the RecordingComplete that was emitted and the decode error, if any. */
  public record Result(RecordingComplete complete, RecordingDecodeException error) {
    public boolean ok() {
      return error == null;
    }
  }

  /**
   * Receives each event already serialized as {@code RecordingEvent} protobuf bytes; the bytes are only valid during
   * the call (the buffer is reused). The fast path for services that forward events without looking at them.
   */
  @FunctionalInterface
  public interface SerializedSink {
    void accept(byte[] buf, int off, int len);
  }

  /**
   * Receives decoded events without a protobuf round trip: prints as the numbers the cadence features read, every
   * other event parsed. The offline path ({@code whodrove parse}), where nothing is published.
   */
  public interface EventSink extends PrintEvents.CountsVisitor {
    void event(RecordingEvent e);
  }

  private final Settings settings;

  public RecordingDecoder(Settings settings) {
    this.settings = settings;
  }

  /** Like {@link #decodeSerialized}, handing the sink parsed {@link RecordingEvent}s. */
  public Result decode(InputStream object, String sessionId, String uri, long objectSize,
      Consumer<RecordingEvent> sink) throws IOException {
    return decodeSerialized(object, sessionId, uri, objectSize, (buf, off, len) -> {
      try {
        sink.accept(RecordingEvent.parser().parseFrom(buf, off, len));
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new IllegalStateException("re-parsing an event this decoder wrote failed", e);
      }
    });
  }

  /**
   * Decodes {@code object} and feeds every event to {@code sink}, the RecordingComplete last.
   *
   * @param objectSize size reported by the store, or -1
   * @throws IOException only for failures of the stream itself (worth a retry); bad bytes end in the Result
   */
  public Result decodeSerialized(InputStream object, String sessionId, String uri, long objectSize,
      SerializedSink sink) throws IOException {
    return run(object, objectSize, new Progress(sessionId, uri, sink, null), 0, 0);
  }

  /**
   * Decodes {@code object} into {@code sink}, the RecordingComplete last, a ProtoStream recording part by part on
   * {@code threads} threads ({@link PartwiseDecode}; 1 decodes every part on the calling thread). Prints reach the
   * sink one by one, as numbers. The events, counts and errors do not depend on {@code threads}.
   *
   * @param objectSize size reported by the store, or -1
   * @throws IOException only for failures of the stream itself; bad bytes end in the Result
   */
  public Result decodeByParts(InputStream object, String sessionId, String uri, long objectSize, int threads,
      EventSink sink) throws IOException {
    return decodeByParts(object, sessionId, uri, objectSize, threads, PartwiseDecode.defaultShare(threads), sink);
  }

  /** {@link #decodeByParts} with parts, and their decoded output, bounded by {@code share} bytes each. */
  Result decodeByParts(InputStream object, String sessionId, String uri, long objectSize, int threads, long share,
      EventSink sink) throws IOException {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, not " + threads);
    }
    if (settings.payload() == PrintPayload.RAW) {
      throw new IllegalArgumentException("prints reach an EventSink as numbers, without raw payloads");
    }
    return run(object, objectSize, new Progress(sessionId, uri, null, sink), threads, share);
  }

  /**
   * {@link #decodeSerialized} with a ProtoStream recording decoded part by part on {@code threads} threads
   * ({@link PartwiseDecode}): the same records, byte for byte, sooner for a large recording when cores are free.
   * With fewer than two threads, or raw print payloads (which the parts' buffers do not carry), it is
   * {@link #decodeSerialized}.
   */
  public Result decodeSerializedByParts(InputStream object, String sessionId, String uri, long objectSize,
      int threads, SerializedSink sink) throws IOException {
    return decodeSerializedByParts(object, sessionId, uri, objectSize, threads, PartwiseDecode.defaultShare(threads),
        sink);
  }

  /** {@link #decodeSerializedByParts} with parts, and their decoded output, bounded by {@code share} bytes each. */
  Result decodeSerializedByParts(InputStream object, String sessionId, String uri, long objectSize, int threads,
      long share, SerializedSink sink) throws IOException {
    if (threads < 2 || settings.payload() == PrintPayload.RAW) {
      return decodeSerialized(object, sessionId, uri, objectSize, sink);
    }
    return run(object, objectSize, new Progress(sessionId, uri, sink, null), threads, share);
  }

  /** Decodes with {@code threads} part threads, or with one reader when it is 0. */
  private Result run(InputStream object, long objectSize, Progress p, int threads, long share) throws IOException {
    long started = System.nanoTime();
    String sessionId = p.sessionId;
    String uri = p.uri;
    BufferedInputStream in = new BufferedInputStream(object, 8192);
    RecordingFormat format = RecordingFormat.sniff(in);
    RecordingComplete.Builder complete = RecordingComplete.newBuilder().setFormat(format.label());
    RecordingDecodeException error = null;
    long bytesRead = 0;
    DecodeLimits limits = settings.limits().withObjectSize(objectSize);
    try {
      switch (format) {
        case PROTOSTREAM_V1, PROTOSTREAM_V2 -> bytesRead = threads == 0
            ? decodeProtoStream(in, limits, p, complete)
            : PartwiseDecode.decode(in, limits, p, complete, settings, threads, share);
        case ASCIICAST_V2, ASCIICAST_V3 -> bytesRead = decodeAsciicast(in, limits, p, complete);
        case EMPTY -> throw new RecordingDecodeException("empty", 0, "empty recording object (0 bytes)");
        default -> throw new RecordingDecodeException("unsupported-format", 0, "unsupported format "
            + format.label());
      }
    } catch (RecordingDecodeException e) {
      error = e;
      complete.setParseError(e.getMessage());
    }
    complete.setObjectSizeBytes(objectSize >= 0 ? objectSize : bytesRead)
        .setEmittedEvents(p.emitted)
        .setPrintEvents(p.prints);
    if (settings.includeDecodeTime()) {
      complete.setDecodeMs((System.nanoTime() - started) / 1_000_000);
    }
    RecordingComplete done = complete.build();
    p.flushRun();
    p.deliver(RecordingEvent.newBuilder()
        .setSessionId(sessionId)
        .setIndex(p.lastIndex + 1)
        .setTimeMs(p.lastTimeMs)
        .setType("recording.complete")
        .setRecordingUri(uri)
        .setComplete(done)
        .build());
    return new Result(done, error);
  }

  private long decodeProtoStream(InputStream in, DecodeLimits limits, Progress p, RecordingComplete.Builder complete)
      throws IOException {
    ProtoStreamReader reader = new ProtoStreamReader(in, limits);
    TeleportEventConverter converter = new TeleportEventConverter(p.sessionId, p.uri, settings.payload());
    PrintRecordEncoder prints = new PrintRecordEncoder(p.sessionId, p.uri, settings.payload());
    p.run = prints;
    try {
      while (reader.nextRaw()) {
        byte[] buf = reader.recordBuffer();
        int off = reader.recordOffset();
        int len = reader.recordLength();
        if (PrintRecordEncoder.isPrint(buf, off, len) && prints.parse(buf, off, len)) {
          if (reader.keep(prints.index)) { // the fast path read the index already: one pass over the record
            p.appendPrint(prints.index, prints.timeMs);
          }
          continue;
        }
        if (!reader.keep(reader.currentIndex())) {
          continue;
        }
        RecordingEvent out = convert(converter, reader);
        if (out != null) {
          p.emit(out);
        }
      }
    } finally {
      ProtoStreamReader.Stats s = reader.stats();
      complete.setFormat(reader.format().label())
          .setTotalEvents(s.totalEvents())
          .setSkippedEvents(s.skippedEvents())
          .setOutOfOrderEvents(s.outOfOrderEvents())
          .setParts(s.parts())
          .setDecompressedBytes(s.decompressedBytes());
    }
    return reader.position();
  }

  /** The reader's current record as an event (null when it maps to none); a time out of range is a decode error. */
  static RecordingEvent convert(TeleportEventConverter converter, ProtoStreamReader reader)
      throws RecordingDecodeException {
    try {
      return converter.convert(reader.event());
    } catch (EventTimes.OutOfRange e) {
      throw new RecordingDecodeException("bad-time", reader.position(), "event " + reader.currentIndex()
          + " before byte offset " + reader.position() + " has a " + e.getMessage());
    }
  }

  private long decodeAsciicast(InputStream in, DecodeLimits limits, Progress p, RecordingComplete.Builder complete)
      throws IOException {
    AsciicastReader reader = new AsciicastReader(in, limits.maxDecompressedBytes());
    long total = 0;
    try {
      AsciicastReader.Header h = reader.header();
      complete.setFormat("asciicast-v" + h.version()); // the header decides; sniffing saw only its first bytes
      long startMs;
      try {
        startMs = EventTimes.headerMillis(h.timestamp());
      } catch (EventTimes.OutOfRange e) {
        throw new RecordingDecodeException("bad-time", 0, e.getMessage());
      }
      String size = h.width() > 0 && h.height() > 0 ? h.width() + ":" + h.height() : "";
      // asciicast has no session metadata events: synthesize start/end so consumers see the same shape
      p.emit(RecordingEvent.newBuilder().setSessionId(p.sessionId).setIndex(0).setTimeMs(startMs)
          .setType("session.start").setRecordingUri(p.uri)
          .setSessionStart(SessionStarted.newBuilder().setKind("ssh").setProtocol("asciicast")
              .setTerminalSize(size)).build());
      long outChunks = 0;
      long outOffset = 0;
      long inChunks = 0;
      long inOffset = 0;
      long lastMs = 0;
      AsciicastReader.Event e;
      while ((e = reader.next()) != null) {
        total++;
        long delayMs;
        try {
          delayMs = EventTimes.offsetMillis(e.time(), startMs);
        } catch (EventTimes.OutOfRange bad) {
          throw new RecordingDecodeException("bad-time", e.byteOffset(), "asciicast event at line " + e.line()
              + " (byte offset " + e.byteOffset() + ") has an " + bad.getMessage());
        }
        lastMs = Math.max(lastMs, delayMs);
        RecordingEvent.Builder b = RecordingEvent.newBuilder().setSessionId(p.sessionId).setIndex(e.line() - 1)
            .setTimeMs(startMs + delayMs).setRecordingUri(p.uri);
        switch (e.code()) {
          case "o" -> {
            PrintChunk chunk = chunk(e.data(), delayMs, outChunks++, outOffset);
            outOffset += chunk.getBytes();
            p.emit(b.setType("print").setPrint(chunk).build());
          }
          case "i" -> {
            PrintChunk chunk = chunk(e.data(), delayMs, inChunks++, inOffset);
            inOffset += chunk.getBytes();
            p.emit(b.setType("input").setInput(chunk).build());
          }
          case "r" -> p.emit(b.setType("resize")
              .setResize(Resized.newBuilder().setTerminalSize(e.data().trim().replace('x', ':'))).build());
          default -> {
            // markers, exits (v3) and future codes carry nothing the pipeline uses
          }
        }
      }
      p.emit(RecordingEvent.newBuilder().setSessionId(p.sessionId).setIndex(p.lastIndex + 1)
          .setTimeMs(startMs + lastMs).setType("session.end").setRecordingUri(p.uri)
          .setSessionEnd(SessionEnded.newBuilder().setKind("ssh").setInteractive(true)
              .setStartMs(startMs).setEndMs(h.timestamp() > 0 ? startMs + lastMs : 0)).build());
    } finally {
      complete.setTotalEvents(total).setDecompressedBytes(reader.position());
    }
    return reader.position();
  }

  private PrintChunk chunk(String data, long delayMs, long index, long offset) {
    ByteString bytes = ByteString.copyFromUtf8(data);
    PrintChunk.Builder c = PrintChunk.newBuilder().setDelayMs(delayMs).setChunkIndex(index).setOffset(offset);
    TerminalBytes.describe(bytes, c);
    if (settings.payload() == PrintPayload.RAW) {
      c.setRaw(bytes);
    }
    return c.build();
  }

  /**
   * Hands events to the sink, counting what was emitted so far: serialized with prints packed into runs, or as
   * they are to an {@link EventSink}.
   */
  static final class Progress {
    final String sessionId;
    final String uri;
    private final SerializedSink sink;
    private final EventSink events;
    private byte[] buf = new byte[8192];
    /** The open run of prints (ProtoStream recordings), flushed before any other event is written. */
    PrintRecordEncoder run;
    long emitted;
    long prints;
    long lastIndex = -1;
    long lastTimeMs;

    Progress(String sessionId, String uri, SerializedSink sink, EventSink events) {
      this.sessionId = sessionId;
      this.uri = uri;
      this.sink = sink;
      this.events = events;
    }

    void emit(RecordingEvent e) {
      flushRun();
      deliver(e);
      emitted++;
      if (e.hasPrint()) {
        prints++;
      }
      track(e.getIndex(), e.getTimeMs());
    }

    /** Adds the print {@link #run} parsed last. */
    void appendPrint(long index, long timeMs) {
      run.append();
      emitted++;
      prints++;
      track(index, timeMs);
      if (run.full()) {
        flushRun();
      }
    }

    /**
     * A print given by its numbers: to the {@link EventSink}, or into the open run of prints as {@link #appendPrint}
     * adds one.
     */
    void print(long index, long timeMs, long bytes, long delayMs, long chunkIndex, long offset, long counts) {
      emitted++;
      prints++;
      track(index, timeMs);
      if (events != null) {
        events.print(index, timeMs, bytes, delayMs, TerminalBytes.editChars(counts));
        return;
      }
      run.appendRow(index, timeMs, bytes, delayMs, chunkIndex, offset, counts);
      if (run.full()) {
        flushRun();
      }
    }

    void deliver(RecordingEvent e) {
      if (events != null) {
        events.event(e);
      } else {
        write(e);
      }
    }

    void flushRun() {
      if (run != null && !run.isEmpty()) {
        int n = run.flush(); // first: flushing may replace the output buffer
        sink.accept(run.output(), 0, n);
      }
    }

    private void write(RecordingEvent e) {
      int size = e.getSerializedSize();
      if (size > buf.length) {
        buf = new byte[Math.max(size, buf.length * 2)];
      }
      com.google.protobuf.CodedOutputStream cos = com.google.protobuf.CodedOutputStream.newInstance(buf, 0, size);
      try {
        e.writeTo(cos);
      } catch (IOException ex) {
        throw new IllegalStateException("serializing into an array cannot fail", ex);
      }
      sink.accept(buf, 0, size);
    }

    private void track(long index, long timeMs) {
      lastIndex = Math.max(lastIndex, index);
      if (timeMs > 0) {
        lastTimeMs = timeMs;
      }
    }
  }
}
