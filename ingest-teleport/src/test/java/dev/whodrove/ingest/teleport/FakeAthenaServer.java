package dev.whodrove.ingest.teleport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Just enough of Athena's JSON protocol (x-amz-json-1.1, X-Amz-Target AmazonAthena.*) for the real SDK client:
 * StartQueryExecution records the request, GetQueryExecution answers RUNNING once then SUCCEEDED, and
 * GetQueryResults pages a canned table, filtered by the query's own execution parameters (event_time window and
 * event types), {@code pageSize} rows per page.
 */
final class FakeAthenaServer implements AutoCloseable {
  /** One row of the fake teleport_events table. */
  record TableRow(String uid, String eventTime, String eventType, String sessionId, String eventData) {}

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final HttpServer server;
  final List<TableRow> table = new CopyOnWriteArrayList<>();
  final List<JsonNode> startRequests = new CopyOnWriteArrayList<>();
  final List<String> targets = new CopyOnWriteArrayList<>();
  private final Map<String, List<TableRow>> results = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  private final int pageSize;

  FakeAthenaServer(int pageSize) throws IOException {
    this.pageSize = pageSize;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext("/", this::handle);
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
      JsonNode req = MAPPER.readTree(ex.getRequestBody().readAllBytes());
      targets.add(target);
      ObjectNode resp = MAPPER.createObjectNode();
      switch (target) {
        case "AmazonAthena.StartQueryExecution" -> {
          startRequests.add(req);
          String id = "q-" + ids.incrementAndGet();
          results.put(id, select(req.path("ExecutionParameters")));
          resp.put("QueryExecutionId", id);
        }
        case "AmazonAthena.GetQueryExecution" -> {
          String id = req.path("QueryExecutionId").asText();
          int n = polls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
          ObjectNode qe = resp.putObject("QueryExecution");
          qe.put("QueryExecutionId", id);
          qe.putObject("Status").put("State", n < 2 ? "RUNNING" : "SUCCEEDED");
          // what a real run reports once done: 1 KiB per selected row stands in for the scanned Parquet
          qe.putObject("Statistics").put("DataScannedInBytes", 1024L * results.get(id).size());
        }
        case "AmazonAthena.GetQueryResults" -> page(req, resp);
        default -> {
          send(ex, 400, "{\"__type\":\"InvalidRequestException\",\"Message\":\"unsupported " + target + "\"}");
          return;
        }
      }
      send(ex, 200, MAPPER.writeValueAsString(resp));
    }
  }

  private List<TableRow> select(JsonNode params) {
    List<String> p = new ArrayList<>();
    params.forEach(n -> p.add(unquote(n.asText())));
    long from = TeleportTimes.parseMillis(p.get(2));
    long until = TeleportTimes.parseMillis(p.get(3));
    List<String> types = p.subList(4, p.size());
    return table.stream().filter(r -> {
      long t = TeleportTimes.parseMillis(r.eventTime());
      return t >= from && t < until && (types.isEmpty() || types.contains(r.eventType()));
    }).sorted((a, b) -> {
      int c = Long.compare(TeleportTimes.parseMillis(a.eventTime()), TeleportTimes.parseMillis(b.eventTime()));
      return c != 0 ? c : a.uid().compareTo(b.uid());
    }).toList();
  }

  private void page(JsonNode req, ObjectNode resp) {
    String id = req.path("QueryExecutionId").asText();
    List<TableRow> rows = results.get(id);
    int start = req.hasNonNull("NextToken") ? Integer.parseInt(req.get("NextToken").asText()) : 0;
    boolean firstPage = start == 0;
    int size = Math.min(pageSize, req.path("MaxResults").asInt(1000)) - (firstPage ? 1 : 0);
    int end = Math.min(rows.size(), start + size);
    ObjectNode rs = resp.putObject("ResultSet");
    ArrayNode out = rs.putArray("Rows");
    String[] cols = {"uid", "event_time", "event_type", "session_id", "event_data"};
    if (firstPage) {
      ArrayNode header = out.addObject().putArray("Data");
      for (String c : cols) {
        header.addObject().put("VarCharValue", c);
      }
    }
    for (TableRow r : rows.subList(start, end)) {
      ArrayNode d = out.addObject().putArray("Data");
      d.addObject().put("VarCharValue", r.uid());
      d.addObject().put("VarCharValue", r.eventTime());
      d.addObject().put("VarCharValue", r.eventType());
      d.addObject().put("VarCharValue", r.sessionId());
      d.addObject().put("VarCharValue", r.eventData());
    }
    ArrayNode info = rs.putObject("ResultSetMetadata").putArray("ColumnInfo");
    for (String c : cols) {
      info.addObject().put("Name", c).put("Type", c.equals("event_time") ? "timestamp" : "varchar");
    }
    if (end < rows.size()) {
      resp.put("NextToken", Integer.toString(end));
    }
  }

  private static String unquote(String literal) {
    return literal.startsWith("'") && literal.endsWith("'")
        ? literal.substring(1, literal.length() - 1).replace("''", "'") : literal;
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  long count(String target) {
    return targets.stream().filter(target::equals).count();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
