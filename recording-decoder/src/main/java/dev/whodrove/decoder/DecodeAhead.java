package dev.whodrove.decoder;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.whodrove.schemas.v1.RecordingEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@link RecordingDecoder#decode} with the decoding on a thread of its own: the decoder (inflate, framing, print
 * packing) runs ahead while the calling thread parses the events and hands them to its sink (featurization, output),
 * so on two cores the two halves overlap instead of taking turns. The sink sees the same events in the same order,
 * and the result is the same, as with {@code decode}.
 *
 * <p>Memory stays bounded: events travel in batches of about {@value #BATCH_BYTES} bytes, at most
 * {@value #BATCHES_AHEAD} of them waiting. A sink that throws stops the decoding thread.
 */
public final class DecodeAhead {
  static final int BATCH_BYTES = 64 * 1024;
  static final int BATCHES_AHEAD = 8;

  private DecodeAhead() {}

  /** Serialized events back to back, each preceded by its length (4 bytes, big-endian). */
  private static final class Batch {
    byte[] buf;
    int len;
    /** Set on the last batch: how the decode ended. */
    RecordingDecoder.Result result;
    Throwable failure;

    Batch(int capacity) {
      buf = new byte[capacity];
    }
  }

  /** The decoder's side: fills batches and queues them, until the consumer gives up. */
  private static final class Producer {
    final BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(BATCHES_AHEAD);
    volatile boolean abandoned;
    Batch open = new Batch(BATCH_BYTES);

    void accept(byte[] b, int off, int len) {
      if (open.len + 4 + len > open.buf.length) {
        hand(open);
        open = new Batch(Math.max(BATCH_BYTES, 4 + len));
      }
      byte[] d = open.buf;
      int p = open.len;
      d[p] = (byte) (len >>> 24);
      d[p + 1] = (byte) (len >>> 16);
      d[p + 2] = (byte) (len >>> 8);
      d[p + 3] = (byte) len;
      System.arraycopy(b, off, d, p + 4, len);
      open.len = p + 4 + len;
    }

    void hand(Batch b) {
      try {
        while (!queue.offer(b, 100, TimeUnit.MILLISECONDS)) {
          if (abandoned) {
            throw new Abandoned();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Abandoned();
      }
    }
  }

  /** Ends the decoding thread once the consumer has stopped taking batches. */
  private static final class Abandoned extends RuntimeException {
    Abandoned() {
      super("the consumer stopped", null, false, false);
    }
  }

  /**
   * Decodes {@code object} like {@link RecordingDecoder#decode}, on a new daemon thread, handing the events to
   * {@code sink} on the calling thread.
   */
  public static RecordingDecoder.Result decode(RecordingDecoder decoder, InputStream object, String sessionId,
      String uri, long objectSize, Consumer<RecordingEvent> sink) throws IOException {
    Producer producer = new Producer();
    Thread thread = new Thread(() -> {
      Batch last;
      try {
        RecordingDecoder.Result r = decoder.decodeSerialized(object, sessionId, uri, objectSize, producer::accept);
        last = producer.open;
        last.result = r;
      } catch (Abandoned e) {
        return;
      } catch (Throwable e) {
        last = producer.open;
        last.failure = e;
      }
      try {
        producer.hand(last);
      } catch (Abandoned e) {
        // nobody is left to tell
      }
    }, "whodrove-decode-ahead");
    thread.setDaemon(true);
    thread.start();
    try {
      while (true) {
        Batch b = producer.queue.take();
        for (int p = 0; p < b.len; ) {
          int len = (b.buf[p] & 0xFF) << 24 | (b.buf[p + 1] & 0xFF) << 16 | (b.buf[p + 2] & 0xFF) << 8
              | (b.buf[p + 3] & 0xFF);
          sink.accept(RecordingEvent.parser().parseFrom(b.buf, p + 4, len));
          p += 4 + len;
        }
        if (b.result != null) {
          return b.result;
        }
        if (b.failure != null) {
          throw rethrow(b.failure);
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("re-parsing an event this decoder wrote failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while decoding " + uri);
    } finally {
      producer.abandoned = true;
      producer.queue.clear();
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
