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

  /** One scripted reply. */
  record Reply(int status, String body, Map<String, String> headers, long delayMs) {}

  /** A request as received. */
  record Request(String path, String authorization, String body) {}

  private final HttpServer server;
  private final ConcurrentLinkedDeque<Reply> script = new ConcurrentLinkedDeque<>();
  final List<Request> requests = new CopyOnWriteArrayList<>();
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
    return new Reply(r.status, r.body, r.headers, delayMs);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
