package dev.whodrove.llm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/** An in-process server speaking enough of the Chat Completions API for tests: scripted replies, recorded requests. */
final class FakeChatServer implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  /** One scripted reply; {@code fault} makes the server misbehave on the wire instead of answering plainly. */
  record Reply(int status, String body, Map<String, String> headers, long delayMs, Fault fault) {
    Reply(int status, String body, Map<String, String> headers, long delayMs) {
      this(status, body, headers, delayMs, Fault.NONE);
    }
  }

  /** Ways to misbehave that a reply body cannot express. */
  enum Fault {
    NONE,
    /** Reads the request and never answers (until the server closes). */
    HANG,
    /** Sends the headers and the first bytes of the body, then nothing (until the server closes). */
    STALL_BODY,
    /** A 200 whose body is 10 MiB, its length declared. */
    HUGE_BODY,
    /** A 200 whose body is 10 MiB, sent in chunks with no declared length. */
    HUGE_CHUNKED_BODY
  }

  static final int HUGE_BYTES = 10 << 20;

  /** A request as received. */
  record Request(String path, String authorization, String body) {}

  private final HttpServer server;
  private final ConcurrentLinkedDeque<Reply> script = new ConcurrentLinkedDeque<>();
  final List<Request> requests = new CopyOnWriteArrayList<>();
  /** Bytes of body written per huge reply before the client stopped reading. */
  final List<Long> hugeBytesSent = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);
  private volatile java.util.function.Function<String, Reply> router = body -> null;
  private volatile Reply fallback = ok(answer("claude-code", 0.8, "deploy", 0.7, "opus-4.6", 0.6, "fast bursts"));

  FakeChatServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "fake-chat");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/v1/chat/completions", this::handle);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  FakeChatServer then(Reply r) {
    script.addLast(r);
    return this;
  }

  /** Replies chosen from the request body (null = fall through to the script). */
  void route(java.util.function.Function<String, Reply> r) {
    router = r;
  }

  /** Requests whose body mentions {@code text}. */
  long requestsMentioning(String text) {
    return requests.stream().filter(q -> q.body().contains(text)).count();
  }

  void always(Reply r) {
    fallback = r;
  }

  private void handle(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    requests.add(new Request(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Authorization"), body));
    Reply r = router.apply(body);
    if (r == null) {
      r = script.pollFirst();
    }
    if (r == null) {
      r = fallback;
    }
    if (r.fault != Fault.NONE) {
      misbehave(ex, r.fault);
      return;
    }
    if (r.delayMs > 0) {
      try {
        Thread.sleep(r.delayMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    byte[] out = r.body.getBytes(StandardCharsets.UTF_8);
    r.headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
    ex.getResponseHeaders().add("Content-Type", "application/json");
    try {
      ex.sendResponseHeaders(r.status, out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        try (OutputStream os = ex.getResponseBody()) {
          os.write(out);
        }
      }
    } catch (IOException e) {
      // the client gave up (timeout test)
    } finally {
      ex.close();
    }
  }

  private void misbehave(HttpExchange ex, Fault fault) {
    try {
      switch (fault) {
        case HANG -> closing.await(120, java.util.concurrent.TimeUnit.SECONDS);
        case STALL_BODY -> {
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(200, 4096);
          ex.getResponseBody().write("{\"id\":\"chatcmpl-stall\",\"choices\":[".getBytes(StandardCharsets.UTF_8));
          ex.getResponseBody().flush();
          closing.await(120, java.util.concurrent.TimeUnit.SECONDS);
        }
        case HUGE_BODY, HUGE_CHUNKED_BODY -> {
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(200, fault == Fault.HUGE_BODY ? HUGE_BYTES : 0);
          byte[] chunk = new byte[64 * 1024];
          java.util.Arrays.fill(chunk, (byte) 'x');
          long sent = 0;
          try (OutputStream os = ex.getResponseBody()) {
            while (sent < HUGE_BYTES) {
              os.write(chunk);
              sent += chunk.length;
            }
          } catch (IOException e) {
            // the client stopped reading
          } finally {
            hugeBytesSent.add(sent);
          }
        }
        default -> throw new IllegalStateException(fault.toString());
      }
    } catch (IOException e) {
      // the client went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      ex.close();
    }
  }

  static Reply fault(Fault f) {
    return new Reply(200, "", Map.of(), 0, f);
  }

  /** A JSON answer in the schema's shape. */
  static String answer(String tool, double toolConf, String kind, double kindConf, String model, Double modelConf,
      String rationale) {
    ObjectNode a = JSON.createObjectNode();
    a.put("agent_tool", tool);
    a.put("agent_tool_confidence", toolConf);
    a.put("work_kind", kind);
    a.put("work_kind_confidence", kindConf);
    if (model == null) {
      a.putNull("suspected_model");
    } else {
      a.put("suspected_model", model);
    }
    if (modelConf == null) {
      a.putNull("suspected_model_confidence");
    } else {
      a.put("suspected_model_confidence", modelConf);
    }
    a.put("rationale", rationale);
    return a.toString();
  }

  /** A 200 chat completion whose message content is {@code content}. */
  static Reply ok(String content) {
    ObjectNode root = JSON.createObjectNode();
    root.put("id", "chatcmpl-test");
    root.put("object", "chat.completion");
    ObjectNode choice = root.putArray("choices").addObject();
    choice.put("index", 0);
    choice.putObject("message").put("role", "assistant").put("content", content);
    choice.put("finish_reason", "stop");
    root.putObject("usage").put("prompt_tokens", 500).put("completion_tokens", 60).put("total_tokens", 560);
    return new Reply(200, root.toString(), Map.of(), 0);
  }

  static Reply status(int status, Map<String, String> headers) {
    return new Reply(status, "{\"error\":{\"message\":\"status " + status + "\"}}", headers, 0);
  }

  static Reply slow(Reply r, long delayMs) {
    return new Reply(r.status, r.body, r.headers, delayMs, r.fault);
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
  }
}
