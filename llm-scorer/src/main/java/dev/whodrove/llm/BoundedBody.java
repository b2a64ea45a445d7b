package dev.whodrove.llm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read into memory up to a limit: a body declared or found to be larger fails with {@link TooLarge}
 * and the rest of it is not read (the subscription is cancelled, which closes the exchange), so a hostile or broken
 * server costs at most the limit, not whatever it sends.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
  /** The body is over the limit. */
  static final class TooLarge extends IOException {
    private static final long serialVersionUID = 1L;

    TooLarge(String message) {
      super(message);
    }
  }

  private final int maxBytes;
  private final long declared;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();
  private Flow.Subscription subscription;

  BoundedBody(int maxBytes, long declared) {
    this.maxBytes = maxBytes;
    this.declared = declared;
  }

  /** A handler giving every response a body bounded by {@code maxBytes}. */
  static HttpResponse.BodyHandler<byte[]> handler(int maxBytes) {
    return info -> new BoundedBody(maxBytes, info.headers().firstValueAsLong("Content-Length").orElse(-1));
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    if (declared > maxBytes) {
      tooLarge("declared as " + declared + " bytes");
      return;
    }
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    if (result.isDone()) {
      return;
    }
    for (ByteBuffer b : items) {
      if (bytes.size() + (long) b.remaining() > maxBytes) {
        tooLarge("over " + maxBytes + " bytes");
        return;
      }
      byte[] chunk = new byte[b.remaining()];
      b.get(chunk);
      bytes.write(chunk, 0, chunk.length);
    }
  }

  @Override
  public void onError(Throwable t) {
    result.completeExceptionally(t);
  }

  @Override
  public void onComplete() {
    result.complete(bytes.toByteArray());
  }

  private void tooLarge(String what) {
    subscription.cancel();
    bytes.reset();
    result.completeExceptionally(new TooLarge("response body " + what + ", more than the " + maxBytes
        + " bytes an answer may take"));
  }
}
