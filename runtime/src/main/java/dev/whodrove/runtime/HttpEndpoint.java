package dev.whodrove.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP or HTTPS listener with the limits every network-facing endpoint of whodrove shares (the health server,
 * the Teleport event intake, the Pub/Sub push endpoint), each with its own threads so that one cannot starve another:
 *
 * <ul>
 *   <li>a connection must deliver complete request headers (and finish its TLS handshake) within the header timeout
 *       of being opened or of its previous response, else it is closed; waiting for headers holds no thread;</li>
 *   <li>a body must arrive within the body timeout of its headers, else the answer is 408 and the connection is
 *       closed; it is read without buffering more than the body limit, and a larger body (declared or sent) is
 *       answered 413 without reading further;</li>
 *   <li>request headers are limited to {@value #MAX_HEADER_BYTES} bytes (431 beyond) and open connections to the
 *       connection limit (further ones wait in the accept backlog).</li>
 * </ul>
 *
 * <p>Handlers run on the endpoint's own pool of {@code threads} workers and may block (waiting for Kafka); what they
 * return is written as the answer. Jetty's threads only accept, parse, run TLS handshakes, read bodies (without
 * blocking) and write answers, so no handler, however slow, delays the reading of other connections.
 */
public final class HttpEndpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpEndpoint.class);

  public static final long DEFAULT_MAX_BODY_BYTES = 4L << 20;
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_CONNECTIONS = 256;
  public static final int MAX_HEADER_BYTES = 16 * 1024;
  /** Jetty's threads per endpoint (accepting, parsing, TLS, reading and writing; never running handlers). */
  static final int IO_THREADS = 12;
  /** How long {@link #close()} lets requests in progress finish. */
  public static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  /** How long the rest of an unread body is read and dropped after the answer, before the connection is closed. */
  static final Duration LINGER = Duration.ofSeconds(2);
  /** Key suffixes of the limits under an endpoint's prefix ({@code gcp.push.max.body.bytes}, …). */
  public static final String MAX_BODY_BYTES_KEY = "max.body.bytes";
  public static final String HEADER_TIMEOUT_KEY = "header.timeout";
  public static final String BODY_TIMEOUT_KEY = "body.timeout";

  /** Whether TLS clients must, may or need not present a certificate. */
  public enum ClientAuth {
    NONE, WANT, NEED
  }

  /**
   * @param maxBodyBytes larger bodies are answered 413
   * @param headerTimeout how long a connection may take to deliver complete request headers
   * @param bodyTimeout how long a request may take to deliver its body once its headers are in
   * @param maxConnections open connections at most
   */
  public record Limits(long maxBodyBytes, Duration headerTimeout, Duration bodyTimeout, int maxConnections) {
    public Limits {
      if (maxBodyBytes < 0 || maxBodyBytes > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("body limit out of range: " + maxBodyBytes);
      }
      if (headerTimeout.isNegative() || headerTimeout.isZero() || bodyTimeout.isNegative() || bodyTimeout.isZero()) {
        throw new IllegalArgumentException("timeouts must be positive");
      }
    }

    public static Limits defaults() {
      return new Limits(DEFAULT_MAX_BODY_BYTES, DEFAULT_HEADER_TIMEOUT, DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_CONNECTIONS);
    }

    /**
     * The limits configured under {@code prefix} ({@code <prefix>max.body.bytes}, {@code <prefix>header.timeout},
     * {@code <prefix>body.timeout}), each defaulting to the value in {@code defaults}.
     */
    public static Limits from(ServiceConfig cfg, String prefix, Limits defaults) {
      long max = cfg.getLong(prefix + MAX_BODY_BYTES_KEY, defaults.maxBodyBytes());
      if (max < 1 || max > Integer.MAX_VALUE - 8) {
        throw new ConfigException("invalid config " + prefix + MAX_BODY_BYTES_KEY + "=" + max + " ("
            + ServiceConfig.keyToEnv(prefix + MAX_BODY_BYTES_KEY) + "): expected 1 to " + (Integer.MAX_VALUE - 8));
      }
      return new Limits(max, positive(cfg, prefix + HEADER_TIMEOUT_KEY, defaults.headerTimeout()),
          positive(cfg, prefix + BODY_TIMEOUT_KEY, defaults.bodyTimeout()), defaults.maxConnections());
    }

    private static Duration positive(ServiceConfig cfg, String key, Duration def) {
      Duration d = cfg.getDuration(key, def);
      if (d.isNegative() || d.isZero()) {
        throw new ConfigException("invalid config " + key + "=" + cfg.get(key, "") + " ("
            + ServiceConfig.keyToEnv(key) + "): expected a positive duration");
      }
      return d;
    }
  }

  /** TLS settings: the key and trust material (an initialised context) and whether clients present certificates. */
  public record Tls(SSLContext context, ClientAuth clientAuth) {}

  /** An answer: status, optional body and extra headers. */
  public record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
    public Reply {
      headers = Map.copyOf(headers);
    }

    public static Reply empty(int status) {
      return new Reply(status, null, null, Map.of());
    }

    public static Reply text(int status, String message) {
      return new Reply(status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8),
          Map.of());
    }

    public static Reply json(int status, String json) {
      return new Reply(status, "application/json", json.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    public Reply withHeader(String name, String value) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put(name, value);
      return new Reply(status, contentType, body, h);
    }
  }

  /** A request the endpoint refuses (body too large, too slow or unreadable): the answer to send instead. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Reply reply;

    Refused(Reply reply, String message) {
      super(message, null, false, false);
      this.reply = reply;
    }

    public Reply reply() {
      return reply;
    }
  }

  /** What a handler does with one request. */
  @FunctionalInterface
  public interface Handler {
    /**
     * Answers one request; runs on the endpoint's worker pool and may block. {@link Call#body()} reads the body
     * under the endpoint's limits; a {@link Refused} it throws may be let through (its reply is sent).
     */
    Reply handle(Call call) throws Exception;
  }

  /** One request as a handler sees it. */
  public static final class Call {
    private final Request request;
    private final Limits limits;
    private byte[] body;
    private boolean bodyUnread = true;

    Call(Request request, Limits limits) {
      this.request = request;
      this.limits = limits;
    }

    public String method() {
      return request.getMethod();
    }

    /** The decoded path. */
    public String path() {
      String p = request.getHttpURI().getDecodedPath();
      return p == null ? "/" : p;
    }

    /** The raw query string, or null. */
    public String rawQuery() {
      return request.getHttpURI().getQuery();
    }

    /** The first value of a request header, or null. */
    public String header(String name) {
      return request.getHeaders().get(name);
    }

    /** The declared body length, or -1 (chunked or unknown). */
    public long declaredLength() {
      return request.getLength();
    }

    public String remoteAddress() {
      return Request.getRemoteAddr(request);
    }

    /** The certificate chain a TLS client presented (its own first), or an empty list. */
    public List<X509Certificate> clientCertificates() {
      Object ssl = request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
      if (ssl instanceof EndPoint.SslSessionData data && data.peerCertificates() != null) {
        return List.of(data.peerCertificates());
      }
      return List.of();
    }

    /** The body limit of this endpoint. */
    public long maxBodyBytes() {
      return limits.maxBodyBytes();
    }

    /**
     * The whole body, read at most once; throws {@link Refused} with 413 when it is (or is declared) larger than
     * the limit, 408 when it did not arrive within the body timeout, 400 when it could not be read.
     */
    public byte[] body() throws Refused {
      if (body != null) {
        return body;
      }
      long declared = request.getLength();
      if (declared > limits.maxBodyBytes()) {
        throw tooLarge();
      }
      CompletableFuture<byte[]> read = readAtMost(request, (int) limits.maxBodyBytes());
      try {
        body = read.get(limits.bodyTimeout().toMillis(), TimeUnit.MILLISECONDS);
        bodyUnread = false;
        return body;
      } catch (TimeoutException e) {
        read.cancel(false);
        throw new Refused(Reply.text(408, "request body not received within " + limits.bodyTimeout().toSeconds()
            + " s"), "body timeout");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        read.cancel(false);
        throw new Refused(Reply.text(503, "shutting down; retry"), "interrupted");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof BodyTooLarge) {
          throw tooLarge();
        }
        throw new Refused(Reply.text(400, "request body could not be read"), "body unreadable: " + e.getCause());
      }
    }

    private Refused tooLarge() {
      return new Refused(Reply.text(413, "body larger than " + limits.maxBodyBytes() + " bytes"), "body too large");
    }
  }

  private static final class BodyTooLarge extends Exception {
    private static final long serialVersionUID = 1L;

    BodyTooLarge() {
      super(null, null, false, false);
    }
  }

  /**
   * Reads a content source into a byte array without demanding more than {@code max} bytes; completes exceptionally
   * with {@link BodyTooLarge} as soon as the content exceeds it. Cancelling the future stops the reading.
   */
  static CompletableFuture<byte[]> readAtMost(Content.Source source, int max) {
    CompletableFuture<byte[]> done = new CompletableFuture<>();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    return readChunks(source, done, done::completeExceptionally, (b, last) -> {
      int n = b.remaining();
      if ((long) out.size() + n > max) {
        done.completeExceptionally(new BodyTooLarge());
        return;
      }
      if (n > 0) {
        byte[] part = new byte[n];
        b.get(part);
        out.write(part, 0, n);
      }
      if (last) {
        done.complete(out.toByteArray());
      }
    });
  }

  /**
   * Reads and drops what a source still holds, up to {@code budget} bytes: true at its end, false when it holds more
   * (reading stops) or failed.
   */
  static CompletableFuture<Boolean> discard(Content.Source source, long budget) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    long[] seen = {0};
    return readChunks(source, done, failure -> done.complete(false), (b, last) -> {
      seen[0] += b.remaining();
      if (last) {
        done.complete(true);
      } else if (seen[0] > budget) {
        done.complete(false);
      }
    });
  }

  /**
   * Feeds a source's chunks to {@code onChunk} (each released after it) until {@code done} completes, its content
   * ends or fails ({@code onFailure}). Non-blocking: Jetty runs it on the thread that saw the content arrive, so
   * reading a body never needs a spare worker while every worker waits for a body.
   */
  private static <T> CompletableFuture<T> readChunks(Content.Source source, CompletableFuture<T> done,
      java.util.function.Consumer<Throwable> onFailure, java.util.function.BiConsumer<ByteBuffer, Boolean> onChunk) {
    Runnable[] step = new Runnable[1];
    step[0] = Invocable.from(Invocable.InvocationType.NON_BLOCKING, () -> {
      while (!done.isDone()) {
        Content.Chunk chunk = source.read();
        if (chunk == null) {
          source.demand(step[0]);
          return;
        }
        try {
          if (Content.Chunk.isFailure(chunk)) {
            onFailure.accept(chunk.getFailure());
            return;
          }
          onChunk.accept(chunk.getByteBuffer(), chunk.isLast());
          if (chunk.isLast()) {
            return;
          }
        } finally {
          chunk.release();
        }
      }
    });
    step[0].run();
    return done;
  }

  private final String name;
  private final Server server;
  private final ServerConnector connector;
  private final HeaderDeadlines deadlines;
  private final ExecutorService workers;

  private HttpEndpoint(String name, Server server, ServerConnector connector, HeaderDeadlines deadlines,
      ExecutorService workers) {
    this.name = name;
    this.server = server;
    this.connector = connector;
    this.deadlines = deadlines;
    this.workers = workers;
  }

  /**
   * Starts listening.
   *
   * @param name what the endpoint is (thread names, errors)
   * @param threads workers running the handler; connections beyond what they can serve wait
   * @param tls null for plain HTTP
   */
  public static HttpEndpoint start(String name, String host, int port, int threads, Limits limits, Tls tls,
      Handler handler) throws IOException {
    // Jetty's threads accept, parse, run TLS handshakes, read bodies and write answers, and never wait on a handler
    QueuedThreadPool pool = new QueuedThreadPool(IO_THREADS, 4);
    pool.setName(name + "-http");
    pool.setDaemon(true);
    pool.setReservedThreads(0);
    // the handler's workers: requests beyond them wait (headers read, body not) until one is free
    ExecutorService workers = new ThreadPoolExecutor(Math.max(1, threads), Math.max(1, threads), 0L,
        TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, name + "-worker");
          t.setDaemon(true);
          return t;
        });
    Server server = new Server(pool);
    server.setStopTimeout(STOP_TIMEOUT.toMillis());
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(MAX_HEADER_BYTES);
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    http.setDelayDispatchUntilContent(false);
    ConnectionFactory[] factories;
    if (tls == null) {
      factories = new ConnectionFactory[] {new HttpConnectionFactory(http)};
    } else {
      http.addCustomizer(new SecureRequestCustomizer(false));
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setSslContext(tls.context());
      ssl.setNeedClientAuth(tls.clientAuth() == ClientAuth.NEED);
      ssl.setWantClientAuth(tls.clientAuth() == ClientAuth.WANT);
      factories = new ConnectionFactory[] {new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http)};
    }
    ServerConnector connector = new ServerConnector(server, 1, 1, factories);
    connector.setHost(host);
    connector.setPort(port);
    connector.setAcceptQueueSize(128);
    // a backstop: the header and body deadlines below are the limits that apply
    connector.setIdleTimeout(Math.max(limits.headerTimeout().toMillis(), limits.bodyTimeout().toMillis()));
    HeaderDeadlines deadlines = new HeaderDeadlines(server, limits.headerTimeout());
    connector.addBean(deadlines);
    server.addConnector(connector);
    server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
    // on close, requests in progress (waiting for Kafka) may finish within the stop timeout; new ones are refused
    org.eclipse.jetty.server.handler.GracefulHandler graceful = new org.eclipse.jetty.server.handler.GracefulHandler();
    graceful.setHandler(new JettyHandler(name, limits, handler, deadlines, workers));
    server.setHandler(graceful);
    try {
      server.start();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception ignored) {
        // nothing more to release
      }
      workers.shutdownNow();
      if (e instanceof IOException io) {
        throw new IOException("cannot listen on " + host + ":" + port + " for " + name + ": " + io.getMessage(), io);
      }
      throw new IOException("cannot start " + name + " on " + host + ":" + port + ": " + e, e);
    }
    return new HttpEndpoint(name, server, connector, deadlines, workers);
  }

  /** The bound port (useful when configured as 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /** Connections currently open. */
  public int openConnections() {
    return deadlines.open.size();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (TimeoutException e) {
      log.debug("{}: connections still open after the stop timeout were closed", name);
    } catch (Exception e) {
      log.warn("stopping {}: {}", name, e.toString());
    } finally {
      workers.shutdownNow();
    }
  }

  private static final class JettyHandler extends org.eclipse.jetty.server.Handler.Abstract {
    private final String name;
    private final Limits limits;
    private final Handler handler;
    private final HeaderDeadlines deadlines;

    private final ExecutorService workers;

    JettyHandler(String name, Limits limits, Handler handler, HeaderDeadlines deadlines, ExecutorService workers) {
      super(InvocationType.NON_BLOCKING);
      this.name = name;
      this.limits = limits;
      this.handler = handler;
      this.deadlines = deadlines;
      this.workers = workers;
    }

    /**
     * Hands the request to the endpoint's workers and returns: Jetty's own threads only parse, read and write, so
     * however long the workers take, new connections are still read (and their header deadlines measure the
     * client, not a queue).
     */
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      Connection connection = request.getConnectionMetaData().getConnection();
      deadlines.requestStarted(connection);
      Request.addCompletionListener(request, failure -> deadlines.requestFinished(connection));
      // waiting for a worker or for Kafka is not idleness; the handler bounds its own waits
      request.addIdleTimeoutListener(t -> false);
      try {
        workers.execute(() -> process(request, response, callback));
      } catch (RejectedExecutionException stopping) {
        write(response, Reply.text(503, "shutting down; retry"), callback);
      }
      return true;
    }

    private void process(Request request, Response response, Callback callback) {
      Call call = new Call(request, limits);
      Reply reply;
      try {
        reply = handler.handle(call);
      } catch (Refused r) {
        reply = r.reply();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        reply = Reply.text(503, "shutting down; retry");
      } catch (Exception | LinkageError | AssertionError e) {
        log.warn("{}: request failed: {}", name, e.toString(), e);
        reply = Reply.text(500, "internal error");
      }
      if (call.bodyUnread && request.getLength() != 0) {
        reply = reply.withHeader(HttpHeader.CONNECTION.asString(), "close");
        write(response, reply, Callback.from(() -> lingerThen(request, callback), callback::failed));
      } else {
        write(response, reply, callback);
      }
    }

    /**
     * After an answer to a request whose body was not read (refused before or while reading it): reads and drops the
     * rest of the body, if it is at most the body limit, for up to {@link #LINGER}, then lets the connection close.
     * Closing with unread input makes TCP reset the connection, and a client still sending would often lose the
     * answer. No worker waits for this; larger bodies are not read, their connection closes at once.
     */
    private void lingerThen(Request request, Callback callback) {
      long declared = request.getLength();
      if (declared > 2 * limits.maxBodyBytes()) {
        callback.succeeded();
        return;
      }
      discard(request, limits.maxBodyBytes()).orTimeout(LINGER.toMillis(), TimeUnit.MILLISECONDS)
          .whenComplete((done, error) -> callback.succeeded());
    }

    private static void write(Response response, Reply reply, Callback callback) {
      response.setStatus(reply.status());
      reply.headers().forEach((k, v) -> response.getHeaders().put(k, v));
      if (reply.body() == null || reply.body().length == 0) {
        response.write(true, null, callback);
        return;
      }
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, reply.body().length);
      response.write(true, ByteBuffer.wrap(reply.body()), callback);
    }
  }

  /**
   * Closes connections that do not deliver complete request headers in time: from being opened (which includes the
   * TLS handshake) and from the end of their previous request.
   */
  static final class HeaderDeadlines implements Connection.Listener {
    private final Server server;
    private final long timeoutMillis;
    final Map<Connection, Deadline> open = new ConcurrentHashMap<>();

    HeaderDeadlines(Server server, Duration timeout) {
      this.server = server;
      this.timeoutMillis = timeout.toMillis();
    }

    @Override
    public void onOpened(Connection connection) {
      if (connection instanceof SslConnection) {
        return; // the HTTP connection above it is tracked; closing it closes the TLS one
      }
      Deadline d = new Deadline(connection);
      open.put(connection, d);
      d.arm();
    }

    @Override
    public void onClosed(Connection connection) {
      Deadline d = open.remove(connection);
      if (d != null) {
        d.disarm();
      }
    }

    void requestStarted(Connection connection) {
      Deadline d = open.get(connection);
      if (d != null) {
        d.disarm();
      }
    }

    void requestFinished(Connection connection) {
      Deadline d = open.get(connection);
      if (d != null) {
        d.arm();
      }
    }

    final class Deadline {
      private final Connection connection;
      private Scheduler.Task task;
      private long requestsWhenArmed;

      Deadline(Connection connection) {
        this.connection = connection;
      }

      synchronized void arm() {
        disarm();
        requestsWhenArmed = connection.getMessagesIn();
        task = server.getScheduler().schedule(this::expire, timeoutMillis, TimeUnit.MILLISECONDS);
      }

      synchronized void disarm() {
        if (task != null) {
          task.cancel();
          task = null;
        }
      }

      private void expire() {
        synchronized (this) {
          if (task == null) {
            return;
          }
          task = null;
          // the connection counts a request once its headers are complete: one that is waiting for a worker has
          // met its deadline
          if (connection.getMessagesIn() > requestsWhenArmed) {
            return;
          }
        }
        log.debug("closing a connection that sent no complete request headers within {} ms", timeoutMillis);
        connection.getEndPoint().close();
      }
    }
  }
}
