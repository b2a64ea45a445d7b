package dev.whodrove.ingest.gcp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Record senders that hold back or fail writes, wrapping a real one. */
final class TestSenders {
  private TestSenders() {}

  /** Holds every record until {@link #open()}; then forwards the held ones and everything after. */
  static final class Gated implements RecordSender {
    private final RecordSender delegate;
    private final List<Runnable> held = new ArrayList<>();
    private boolean open;
    final AtomicInteger received = new AtomicInteger();

    Gated(RecordSender delegate) {
      this.delegate = delegate;
    }

    @Override
    public synchronized CompletableFuture<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
      received.incrementAndGet();
      if (open) {
        return delegate.send(record);
      }
      CompletableFuture<RecordMetadata> f = new CompletableFuture<>();
      held.add(() -> delegate.send(record).whenComplete((md, e) -> {
        if (e != null) {
          f.completeExceptionally(e);
        } else {
          f.complete(md);
        }
      }));
      return f;
    }

    synchronized void open() {
      open = true;
      held.forEach(Runnable::run);
      held.clear();
    }

    @Override
    public void flush() {
      delegate.flush();
    }

    @Override
    public void close(Duration timeout) {
      delegate.close(timeout);
    }
  }

  /** Fails the first {@code failures} writes without sending them, then forwards. */
  static final class FailingFirst implements RecordSender {
    private final RecordSender delegate;
    private final AtomicInteger remaining;
    final AtomicInteger failed = new AtomicInteger();

    FailingFirst(RecordSender delegate, int failures) {
      this.delegate = delegate;
      this.remaining = new AtomicInteger(failures);
    }

    @Override
    public CompletableFuture<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
      if (delegate == null || remaining.getAndDecrement() > 0) {
        failed.incrementAndGet();
        return CompletableFuture.failedFuture(new org.apache.kafka.common.errors.TimeoutException("injected failure"));
      }
      return delegate.send(record);
    }

    @Override
    public void flush() {
      if (delegate != null) {
        delegate.flush();
      }
    }

    @Override
    public void close(Duration timeout) {
      if (delegate != null) {
        delegate.close(timeout);
      }
    }
  }
}
