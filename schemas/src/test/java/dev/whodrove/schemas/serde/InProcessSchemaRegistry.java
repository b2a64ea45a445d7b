package dev.whodrove.schemas.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The two Confluent Schema Registry REST calls the serializer uses, implemented as documented (register under a
 * subject: {@code POST /subjects/{s}/versions} → {@code {"id"}}; look up: {@code POST /subjects/{s}} →
 * {@code {"subject","id","version","schema"}} or 404 with error_code 40403), on loopback.
 */
final class InProcessSchemaRegistry implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;
  private final Map<String, Integer> idBySchema = new HashMap<>();
  private final Map<String, List<String>> versionsBySubject = new HashMap<>();
  final List<JsonNode> registrations = new ArrayList<>();

  InProcessSchemaRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/subjects/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private synchronized void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath().substring("/subjects/".length());
    JsonNode body = JSON.readTree(ex.getRequestBody());
    if (!"POST".equals(ex.getRequestMethod()) || !body.has("schema")
        || !"PROTOBUF".equals(body.path("schemaType").asText())) {
      send(ex, 422, "{\"error_code\":42201,\"message\":\"Invalid schema\"}");
      return;
    }
    String key = body.get("schema").asText() + "|" + body.path("references");
    if (path.endsWith("/versions")) {
      String subject = URLDecoder.decode(path.substring(0, path.length() - "/versions".length()), StandardCharsets.UTF_8);
      registrations.add(body);
      int id = idBySchema.computeIfAbsent(key, k -> idBySchema.size() + 1);
      List<String> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
      if (!versions.contains(key)) {
        versions.add(key);
      }
      send(ex, 200, "{\"id\":" + id + "}");
    } else {
      String subject = URLDecoder.decode(path, StandardCharsets.UTF_8);
      List<String> versions = versionsBySubject.getOrDefault(subject, List.of());
      int v = versions.indexOf(key);
      if (v < 0) {
        send(ex, 404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");
        return;
      }
      send(ex, 200, JSON.createObjectNode().put("subject", subject).put("id", idBySchema.get(key))
          .put("version", v + 1).put("schema", body.get("schema").asText()).toString());
    }
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
