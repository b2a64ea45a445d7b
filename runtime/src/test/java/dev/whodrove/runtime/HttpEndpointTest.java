package dev.whodrove.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpEndpointTest {
  private static final HttpEndpoint.Limits FAST =
      new HttpEndpoint.Limits(1024, Duration.ofMillis(600), Duration.ofMillis(800), 64);
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Socket> sockets = new ArrayList<>();
  private HttpEndpoint endpoint;

  @AfterEach
  void close() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    if (endpoint != null) {
      endpoint.close();
    }
  }

  private HttpEndpoint echo(int threads, HttpEndpoint.Limits limits) throws IOException {
    endpoint = HttpEndpoint.start("test", "127.0.0.1", 0, threads, limits, null,
        call -> HttpEndpoint.Reply.text(200, call.method() + " " + call.path() + " " + call.body().length));
    return endpoint;
  }

  private HttpResponse<String> post(String body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/x"))
        .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private Socket connect() throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", endpoint.port()), 2000);
    s.setSoTimeout(5000);
    sockets.add(s);
    return s;
  }

  private static String readAll(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  @Test
  void bodiesUpToTheLimitAreReadAndLargerOnesGet413() throws Exception {
    echo(2, FAST);
    assertThat(post("a".repeat(1024)).body()).isEqualTo("POST /x 1024\n");
    HttpResponse<String> big = post("a".repeat(1025));
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(big.body()).contains("larger than 1024 bytes");
    // a chunked body is cut off as soon as it passes the limit
    Socket s = connect();
    OutputStream out = s.getOutputStream();
    out.write(("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "400\r\n" + "b".repeat(1024) + "\r\n" + "10\r\n" + "c".repeat(16) + "\r\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    assertThat(readAll(s)).startsWith("HTTP/1.1 413").contains("Connection: close");
  }

  @Test
  void aDeclaredOversizedBodyIsRefusedBeforeItIsSent() throws Exception {
    echo(2, FAST);
    Socket s = connect();
    s.getOutputStream().write("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5000000\r\n\r\n"
        .getBytes(StandardCharsets.UTF_8));
    long t0 = System.nanoTime();
    assertThat(readAll(s)).startsWith("HTTP/1.1 413");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(500));
  }

  @Test
  void connectionsThatDoNotFinishTheirHeadersInTimeAreClosed() throws Exception {
    echo(1, FAST);
    Socket silent = connect();
    Socket slow = connect();
    slow.getOutputStream().write("POST /x HTTP/1.1\r\nHost: h\r\n".getBytes(StandardCharsets.UTF_8));
    long t0 = System.nanoTime();
    try {
      for (int i = 0; i < 10; i++) {
        Thread.sleep(100);
        slow.getOutputStream().write("X-A: b\r\n".getBytes(StandardCharsets.UTF_8)); // trickles, never finishes
      }
    } catch (IOException closedByTheServer) {
      // expected once the header deadline passed
    }
    assertThat(silent.getInputStream().read()).isEqualTo(-1);
    assertThat(slow.getInputStream().read()).isEqualTo(-1);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void aBodyThatDoesNotArriveInTimeGets408() throws Exception {
    echo(1, FAST);
    Socket s = connect();
    s.getOutputStream().write("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nonly-a-part"
        .getBytes(StandardCharsets.UTF_8));
    long t0 = System.nanoTime();
    assertThat(readAll(s)).startsWith("HTTP/1.1 408").contains("Connection: close");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(600), Duration.ofSeconds(3));
    // the worker is free again
    assertThat(post("ok").statusCode()).isEqualTo(200);
  }

  @Test
  void keptAliveConnectionsMustSendTheirNextRequestInTime() throws Exception {
    echo(1, FAST);
    Socket s = connect();
    s.getOutputStream().write("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi"
        .getBytes(StandardCharsets.UTF_8));
    InputStream in = s.getInputStream();
    byte[] buf = new byte[4096];
    int n = in.read(buf);
    assertThat(new String(buf, 0, n, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200");
    s.getOutputStream().write("POST /x HTTP/1.1\r\n".getBytes(StandardCharsets.UTF_8));
    long t0 = System.nanoTime();
    assertThat(in.read()).isEqualTo(-1);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void slowClientsHoldNoWorker() throws Exception {
    AtomicInteger handled = new AtomicInteger();
    endpoint = HttpEndpoint.start("test", "127.0.0.1", 0, 1,
        new HttpEndpoint.Limits(1024, Duration.ofSeconds(20), Duration.ofSeconds(20), 64), null, call -> {
          handled.incrementAndGet();
          return HttpEndpoint.Reply.empty(204);
        });
    for (int i = 0; i < 30; i++) {
      connect().getOutputStream().write("POST /x HTTP/1.1\r\nHost: h\r\n".getBytes(StandardCharsets.UTF_8));
    }
    long t0 = System.nanoTime();
    assertThat(post("").statusCode()).isEqualTo(204);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    assertThat(handled).hasValue(1);
  }

  @Test
  void handlerFailuresAnswer500AndRepliesCarryTheirHeaders() throws Exception {
    endpoint = HttpEndpoint.start("test", "127.0.0.1", 0, 1, FAST, null, call -> {
      if (call.path().equals("/boom")) {
        throw new IllegalStateException("boom");
      }
      return HttpEndpoint.Reply.json(401, "{}").withHeader("WWW-Authenticate", "Bearer");
    });
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + endpoint.port() + "/boom")).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(500);
    r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/a?b=c")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
  }

  @Test
  void limitsComeFromConfigUnderAPrefix() {
    HttpEndpoint.Limits l = HttpEndpoint.Limits.from(ServiceConfig.of(Map.of("x.max.body.bytes", "10",
        "x.header.timeout", "2s", "x.body.timeout", "3s")), "x.", HttpEndpoint.Limits.defaults());
    assertThat(l).isEqualTo(new HttpEndpoint.Limits(10, Duration.ofSeconds(2), Duration.ofSeconds(3),
        HttpEndpoint.DEFAULT_MAX_CONNECTIONS));
    assertThat(HttpEndpoint.Limits.from(ServiceConfig.of(Map.of()), "x.", HttpEndpoint.Limits.defaults()))
        .isEqualTo(HttpEndpoint.Limits.defaults());
    assertThatThrownBy(() -> HttpEndpoint.Limits.from(ServiceConfig.of(Map.of("x.body.timeout", "0s")), "x.",
        HttpEndpoint.Limits.defaults())).isInstanceOf(ConfigException.class).hasMessageContaining("WHODROVE_X_BODY_TIMEOUT");
    assertThatThrownBy(() -> HttpEndpoint.Limits.from(ServiceConfig.of(Map.of("x.max.body.bytes", "0")), "x.",
        HttpEndpoint.Limits.defaults())).isInstanceOf(ConfigException.class);
  }

  @Test
  void closeLetsARequestInProgressFinishButDoesNotWaitForIdleConnections() throws Exception {
    java.util.concurrent.CountDownLatch inHandler = new java.util.concurrent.CountDownLatch(1);
    endpoint = HttpEndpoint.start("test", "127.0.0.1", 0, 2, FAST, null, call -> {
      if (call.path().equals("/slow")) {
        inHandler.countDown();
        Thread.sleep(1500); // waiting for Kafka
      }
      return HttpEndpoint.Reply.text(200, "done");
    });
    Socket idle = connect();
    idle.getOutputStream().write("GET /fast HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.UTF_8));
    assertThat(idle.getInputStream().read()).isEqualTo('H'); // answered, connection kept alive
    var slow = client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/slow"))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(inHandler.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    long t0 = System.nanoTime();
    endpoint.close();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(1000), Duration.ofSeconds(5));
    assertThat(slow.get(5, java.util.concurrent.TimeUnit.SECONDS).body()).isEqualTo("done\n");
    endpoint = null;
  }

  @Test
  void aRequestWaitingForAWorkerIsNotCutOffByTheHeaderDeadline() throws Exception {
    endpoint = HttpEndpoint.start("test", "127.0.0.1", 0, 1, FAST, null, call -> {
      Thread.sleep(700); // every worker busy for longer than the header deadline
      return HttpEndpoint.Reply.text(200, "ok");
    });
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      answers.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/" + i))
          .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (var a : answers) {
      assertThat(a.get(20, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void bodiesArrivingInPartsAreReadWhileEveryWorkerWaits() throws Exception {
    endpoint = echo(1, new HttpEndpoint.Limits(1024, Duration.ofSeconds(5), Duration.ofSeconds(5), 64));
    List<Socket> clients = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Socket s = connect();
      s.getOutputStream().write("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nhello"
          .getBytes(StandardCharsets.UTF_8));
      clients.add(s);
    }
    Thread.sleep(300); // every worker now waits for the rest of a body
    long t0 = System.nanoTime();
    for (Socket s : clients) {
      s.getOutputStream().write("world".getBytes(StandardCharsets.UTF_8));
    }
    for (Socket s : clients) {
      byte[] buf = new byte[4096];
      int n = s.getInputStream().read(buf);
      assertThat(new String(buf, 0, n, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200").endsWith("POST /x 10\n");
    }
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void aClientStillSendingARefusedBodyGetsIts413() throws Exception {
    // a body over the limit by less than the limit again is read and dropped before the connection closes
    echo(2, new HttpEndpoint.Limits(64 * 1024, Duration.ofSeconds(5), Duration.ofSeconds(5), 64));
    for (int i = 0; i < 40; i++) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port()
          + "/x")).timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString("b".repeat(100_000)))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as("attempt " + i).isEqualTo(413);
    }
  }

  @Test
  void aRequestRefusedBeforeItsBodyIsReadStillGetsItsAnswer() throws Exception {
    // the handler refuses without reading the body (a wrong token); no worker waits while the rest is dropped
    endpoint = HttpEndpoint.start("test", "127.0.0.1", 0, 1,
        new HttpEndpoint.Limits(64 * 1024, Duration.ofSeconds(5), Duration.ofSeconds(5), 64), null,
        call -> HttpEndpoint.Reply.text(401, "no"));
    long t0 = System.nanoTime();
    for (int i = 0; i < 40; i++) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port()
          + "/x")).timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString("b".repeat(50_000)))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as("attempt " + i).isEqualTo(401);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
  }
}
