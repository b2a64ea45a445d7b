package dev.whodrove.decoder;

import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.sim.ProtoStreamWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;

/**
 * Decoder benchmarks (targets: docs/architecture.md §8.1), a plain main so it can run with a chosen heap:
 *
 * <pre>
 * mvn -B -o -q -Pbench -pl recording-decoder -am test-compile exec:exec -Dbench.args="throughput 4"
 * mvn -B -o -q -Pbench -pl recording-decoder -am test-compile exec:exec -Dbench.args="conversion 4"
 * mvn -B -o -q -Pbench -pl recording-decoder -am test-compile exec:exec -Dbench.args="memory 500" \
 *     -Dbench.jvmArgs="-Xmx64m -XX:+UseSerialGC"
 * </pre>
 *
 * <p>{@code throughput N}: on two mixes of N recordings each (many small print chunks; agent-like output), the
 * compressed MB/s of a full decode (reader + conversion to serialized RecordingEvents, what the service publishes;
 * and to RecordingEvent objects) against inflating the same gzip bodies alone (GZIPInputStream, and a bare
 * Inflater), single thread, best of seven rounds.
 * {@code conversion N}: the cost per print beyond inflate, alone (see {@link #conversion}).
 * {@code file PATH T}: decodes a recording file to serialized records (what the service publishes) on T part
 * threads (1: the worker thread alone) and prints the time.
 * {@code memory N [T]}: decodes an N MB recording generated while it is read, and prints the peak heap; with
 * {@code T}, part by part on T threads ({@link RecordingDecoder#decodeByParts}).
 */
public final class DecodeBench {
  private DecodeBench() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "throughput";
    if (mode.equals("file")) {
      file(java.nio.file.Path.of(args[1]), Integer.parseInt(args[2]));
    } else if (mode.equals("memory")) {
      memory(args.length > 1 ? Long.parseLong(args[1]) : 500, args.length > 2 ? Integer.parseInt(args[2]) : 0);
    } else if (mode.equals("conversion")) {
      conversion(args.length > 1 ? Integer.parseInt(args[1]) : 4);
    } else {
      int sessions = args.length > 1 ? Integer.parseInt(args[1]) : 8;
      System.out.println("== small print chunks (keystroke echo and short lines) ==");
      throughput(sessions, s -> TestEvents.session(150_000, s));
      System.out.println("== agent-like output (keystrokes plus 100-4000 byte output chunks) ==");
      throughput(sessions, s -> TestEvents.sessionWithOutput(30_000, s));
      System.out.println("== both together, alternating (a fleet where humans and agents record alike) ==");
      throughput(2 * sessions, s -> s % 2 == 0 ? TestEvents.session(150_000, s) : TestEvents.sessionWithOutput(30_000, s));
    }
  }

  static void throughput(int sessions, java.util.function.LongFunction<List<OneOf>> mix) throws IOException {
    List<byte[]> recordings = new ArrayList<>();
    long total = 0;
    long events = 0;
    for (int s = 0; s < sessions; s++) {
      List<OneOf> session = mix.apply(s);
      events += session.size();
      byte[] rec = TestEvents.write(session, ProtoStreamWriter.Options.teleport());
      recordings.add(rec);
      total += rec.length;
    }
    long inflated = 0;
    for (byte[] r : recordings) {
      inflated += inflateBodies(r, false);
    }
    System.out.printf("mix: %d recordings, %d events, %.1f MB compressed, %.1f MB inflated (%.0f events/MB)%n",
        sessions, events, total / 1e6, inflated / 1e6, events / (total / 1e6));
    RecordingDecoder decoder = new RecordingDecoder(RecordingDecoder.Settings.defaults());
    long[] sink = new long[1];
    double gz = 0;
    double inf = 0;
    double read = 0;
    double records = 0;
    double full = 0;
    double objects = 0;
    boolean onlyFull = System.getProperty("bench.only-full") != null;
    for (int round = 0; round < 7; round++) {
      if (onlyFull) { // for profiling the hot path alone
        full = Math.max(full, rate(total, () -> {
          for (byte[] r : recordings) {
            decoder.decodeSerialized(new ByteArrayInputStream(r), TestEvents.SID, "s3://b/k.tar", r.length,
                (buf, off, len) -> sink[0] += len);
          }
        }));
        continue;
      }
      gz = Math.max(gz, rate(total, () -> {
        for (byte[] r : recordings) {
          sink[0] += inflateBodies(r, true);
        }
      }));
      inf = Math.max(inf, rate(total, () -> {
        for (byte[] r : recordings) {
          sink[0] += inflateBodies(r, false);
        }
      }));
      records = Math.max(records, rate(total, () -> {
        for (byte[] r : recordings) {
          try (ProtoStreamReader reader = new ProtoStreamReader(new ByteArrayInputStream(r))) {
            while (reader.advance()) {
              sink[0] += reader.recordLength();
            }
          }
        }
      }));
      read = Math.max(read, rate(total, () -> {
        for (byte[] r : recordings) {
          try (ProtoStreamReader reader = new ProtoStreamReader(new ByteArrayInputStream(r))) {
            while (reader.next() != null) {
              sink[0]++;
            }
          }
        }
      }));
      full = Math.max(full, rate(total, () -> {
        for (byte[] r : recordings) {
          decoder.decodeSerialized(new ByteArrayInputStream(r), TestEvents.SID, "s3://b/k.tar", r.length,
              (buf, off, len) -> sink[0] += len);
        }
      }));
      objects = Math.max(objects, rate(total, () -> {
        for (byte[] r : recordings) {
          decoder.decode(new ByteArrayInputStream(r), TestEvents.SID, "s3://b/k.tar", r.length,
              e -> sink[0] += e.getIndex());
        }
      }));
    }
    System.out.printf("inflate only (GZIPInputStream): %7.1f MB/s compressed%n", gz);
    System.out.printf("inflate only (bare Inflater):   %7.1f MB/s compressed%n", inf);
    System.out.printf("ProtoStreamReader (records):    %7.1f MB/s compressed  (%.2fx GZIPInputStream)%n", records,
        records / gz);
    System.out.printf("ProtoStreamReader (OneOf):      %7.1f MB/s compressed  (%.2fx GZIPInputStream)%n", read,
        read / gz);
    System.out.printf("full decode, serialized events: %7.1f MB/s compressed  (%.2fx GZIPInputStream, %.2fx bare"
        + " Inflater)%n", full, full / gz, full / inf);
    System.out.printf("full decode, event objects:     %7.1f MB/s compressed  (%.2fx GZIPInputStream)%n", objects,
        objects / gz);
    if (sink[0] == 42) {
      System.out.println();
    }
  }

  interface Work {
    void run() throws IOException;
  }

  private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /**
   * MB/s over the CPU time of this thread (inflate included: it runs on the calling thread), so that other
   * processes competing for the two shared cores do not skew the comparison. Collector threads are not counted;
   * run with {@code -XX:+UseSerialGC}, whose young collections are short at these allocation rates.
   */
  private static double rate(long bytes, Work w) throws IOException {
    long t0 = THREADS.getCurrentThreadCpuTime();
    w.run();
    return bytes / 1e6 / ((THREADS.getCurrentThreadCpuTime() - t0) / 1e9);
  }

  /** Walks the part headers and inflates each body into a 64 KiB buffer, discarding the output. */
  static long inflateBodies(byte[] rec, boolean gzipStream) throws IOException {
    byte[] out = new byte[64 * 1024];
    long produced = 0;
    int at = 0;
    Inflater inflater = new Inflater(true);
    while (at < rec.length) {
      long partSize = getLong(rec, at + 8);
      long padding = getLong(rec, at + 16);
      int body = at + 24;
      if (gzipStream) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(rec, body, (int) partSize), 64 * 1024)) {
          for (int n; (n = in.read(out)) > 0; ) {
            produced += n;
          }
        }
      } else {
        inflater.reset();
        inflater.setInput(rec, body + 10, (int) partSize - 10);
        try {
          while (!inflater.finished()) {
            produced += inflater.inflate(out);
          }
        } catch (java.util.zip.DataFormatException e) {
          throw new IOException(e);
        }
      }
      at = body + (int) partSize + (int) padding;
    }
    inflater.end();
    return produced;
  }

  private static long getLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }

  /**
   * The per-print cost alone: the small-chunk mix is inflated once into memory, then its print records are packed
   * into runs by the decoder's own encoder, with no zlib in the loop. Reports nanoseconds per print (best of 15);
   * {@code -Dbench.parse-only=true} times reading the records alone.
   */
  static void conversion(int sessions) throws IOException {
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    int prints = 0;
    for (int s = 0; s < sessions; s++) {
      byte[] rec = TestEvents.write(TestEvents.session(150_000, s), ProtoStreamWriter.Options.teleport());
      try (ProtoStreamReader reader = new ProtoStreamReader(new ByteArrayInputStream(rec))) {
        while (reader.nextRaw()) {
          if (PrintRecordEncoder.isPrint(reader.recordBuffer(), reader.recordOffset(), reader.recordLength())) {
            all.write(reader.recordLength() >>> 8);
            all.write(reader.recordLength());
            all.write(reader.recordBuffer(), reader.recordOffset(), reader.recordLength());
            prints++;
          }
        }
      }
    }
    // a window of about 1 MB, passed over repeatedly: in the decoder the records come fresh from inflate, in cache
    byte[] every = all.toByteArray();
    int end = 0;
    int window = 0;
    while (end < every.length && end < 1_000_000) {
      end += 2 + (((every[end] & 0xFF) << 8) | (every[end + 1] & 0xFF));
      window++;
    }
    byte[] records = java.util.Arrays.copyOf(every, end + 16);
    int passes = prints / window;
    long sink = 0;
    double best = Double.MAX_VALUE;
    for (int round = 0; round < 15; round++) {
      PrintRecordEncoder enc = new PrintRecordEncoder(TestEvents.SID, "s3://b/k.tar", PrintPayload.DERIVED);
      long t0 = THREADS.getCurrentThreadCpuTime();
      for (int pass = 0; pass < passes; pass++) {
        sink += convert(enc, records, end);
      }
      best = Math.min(best, (THREADS.getCurrentThreadCpuTime() - t0) / (double) (passes * window));
    }
    System.out.printf("%d prints, %.1f bytes per record: %.1f ns per print (%s)%s%n", prints,
        end / (double) window - 2, best, PARSE_ONLY ? "reading the record only" : "read, count, add to the run",
        sink == 42 ? " " : "");
  }

  /** One pass over the window, a method of its own so that it is compiled as such rather than replaced mid-loop. */
  private static long convert(PrintRecordEncoder enc, byte[] records, int end) {
    long sink = 0;
    for (int at = 0; at < end; ) {
      int len = ((records[at] & 0xFF) << 8) | (records[at + 1] & 0xFF);
      at += 2;
      if (!enc.parse(records, at, len)) {
        throw new IllegalStateException("fast path refused a print at " + at);
      }
      sink += enc.index;
      if (!PARSE_ONLY) {
        enc.append();
        if (enc.full()) {
          sink += enc.flush();
        }
      }
      at += len;
    }
    return sink;
  }

  private static final boolean PARSE_ONLY = Boolean.getBoolean("bench.parse-only");

  static void file(java.nio.file.Path file, int threads) throws IOException {
    RecordingDecoder decoder = new RecordingDecoder(RecordingDecoder.Settings.defaults());
    long[] records = new long[2];
    long t0 = System.nanoTime();
    try (InputStream in = java.nio.file.Files.newInputStream(file)) {
      RecordingDecoder.Result r = decoder.decodeSerializedByParts(in, TestEvents.SID, file.toUri().toString(),
          java.nio.file.Files.size(file), threads, (buf, off, len) -> {
            records[0]++;
            records[1] += len;
          });
      System.out.printf("%d thread(s): %.2f s, %d records (%d bytes), %d parts, ok=%s%n", threads,
          (System.nanoTime() - t0) / 1e9, records[0], records[1], r.complete().getParts(), r.ok());
    }
  }

  static void memory(long megabytes, int threads) throws IOException {
    GeneratedRecordingStream in = new GeneratedRecordingStream(megabytes * 1_000_000, 7);
    RecordingDecoder decoder = new RecordingDecoder(RecordingDecoder.Settings.defaults());
    long[] count = new long[1];
    long t0 = System.nanoTime();
    RecordingDecoder.Result r = threads > 0
        ? decoder.decodeByParts(in, TestEvents.SID, "s3://b/k.tar", -1, threads, new RecordingDecoder.EventSink() {
          @Override
          public void print(long index, long timeMs, long bytes, long delayMs, int editChars) {
            count[0]++;
          }

          @Override
          public void event(RecordingEvent e) {
            count[0]++;
          }
        })
        : decoder.decode(in, TestEvents.SID, "s3://b/k.tar", -1, e -> count[0]++);
    double secs = (System.nanoTime() - t0) / 1e9;
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    System.out.printf("decoded %.1f MB compressed (%.1f MB inflated), %d events in %d records, %d parts in %.1f s; "
        + "error=%s%n", r.complete().getObjectSizeBytes() / 1e6, r.complete().getDecompressedBytes() / 1e6,
        r.complete().getEmittedEvents(), count[0], r.complete().getParts(), secs, r.error());
    System.out.printf("max heap %d MB, peak heap used (sum of pool peaks) %.1f MB%n",
        Runtime.getRuntime().maxMemory() >> 20, peak / 1e6);
  }
}
