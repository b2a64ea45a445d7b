package dev.whodrove.ingest.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of the BigQuery REST API (v2) for the real {@code google-cloud-bigquery} client, over one dataset of a
 * log sink: tables.list and tables.get (schemas built from the entries the way the export builds them), jobs.insert
 * (dry runs too), jobs.get, jobs.getQueryResults, jobs.cancel and tabledata.list of a job's results, paged by
 * {@code maxResults} and {@code pageToken}. Tables hold real {@code LogEntry} JSON; a query is "run" by reading its
 * FROM table, its window parameters and its select list, so what comes back is what the export's columns would give.
 *
 * <p>It refuses what BigQuery would refuse and what must never happen here: a query over a partitioned table without
 * the {@code timestamp} filter, over shards without {@code _TABLE_SUFFIX}, one naming a column the table's schema
 * lacks, one without {@code maximumBytesBilled}, and one that would bill more than that (bytesBilledLimitExceeded,
 * at least 10 MiB billed per query as on-demand pricing does). Errors can be queued for jobs.insert
 * ({@link #failInserts}).
 */
final class FakeBigQueryServer implements AutoCloseable {
  static final long MIN_BILLED = 10L << 20;
  /** Bytes a stored entry counts for when its partition or shard is read. */
  static final long BYTES_PER_ENTRY = 1000;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter MICROS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);
  private static final String RESULTS_DATASET = "_fake_results";

  /** One table of the dataset: a partitioned table or a shard, with the LogEntries it holds. */
  static final class FakeTable {
    final String name;
    final boolean partitioned;
    final List<JsonNode> entries = new CopyOnWriteArrayList<>();

    FakeTable(String name, boolean partitioned) {
      this.name = name;
      this.partitioned = partitioned;
    }
  }

  private record Result(ObjectNode job, List<String> aliases, List<String> types, List<List<String>> rows) {}

  private final HttpServer server;
  private final String project;
  private final String dataset;
  final Map<String, FakeTable> tables = new ConcurrentHashMap<>();
  final List<JsonNode> inserts = new CopyOnWriteArrayList<>();
  final List<String> requests = new CopyOnWriteArrayList<>();
  private final Map<String, Result> jobs = new ConcurrentHashMap<>();
  private final Deque<int[]> insertErrorCodes = new ArrayDeque<>();
  private final Deque<String> insertErrorReasons = new ArrayDeque<>();
  private final AtomicInteger gets = new AtomicInteger();
  private final int pageRows;

  /** @param pageRows rows of a result page when the client names no size (BigQuery sizes such pages by bytes) */
  FakeBigQueryServer(String project, String dataset, int pageRows) throws IOException {
    this.pageRows = pageRows;
    this.project = project;
    this.dataset = dataset;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext("/", this::handle);
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  FakeTable table(String name, boolean partitioned) {
    return tables.computeIfAbsent(name, n -> new FakeTable(n, partitioned));
  }

  /** The next {@code times} jobs.insert calls fail with this HTTP status and reason. */
  synchronized void failInserts(int status, String reason, int times) {
    for (int i = 0; i < times; i++) {
      insertErrorCodes.add(new int[] {status});
      insertErrorReasons.add(reason);
    }
  }

  long count(String methodAndPathPart) {
    return requests.stream().filter(r -> r.contains(methodAndPathPart)).count();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      int i = path.indexOf("/projects/");
      String rest = i < 0 ? path : path.substring(i);
      Map<String, String> q = query(ex.getRequestURI().getRawQuery());
      requests.add(ex.getRequestMethod() + " " + rest + " " + q);
      String[] p = rest.split("/");
      // /projects/{p}/...
      String m = ex.getRequestMethod();
      if (p.length >= 5 && p[3].equals("datasets") && p.length == 6 && p[5].equals("tables") && m.equals("GET")) {
        listTables(ex, q);
      } else if (p.length == 7 && p[3].equals("datasets") && m.equals("GET")) {
        getTable(ex, URLDecoder.decode(p[6], StandardCharsets.UTF_8));
      } else if (p.length == 8 && p[7].equals("data") && m.equals("GET")) {
        page(ex, p[6], q, "bigquery#tableDataList", false);
      } else if (p.length == 4 && p[3].equals("jobs") && m.equals("POST")) {
        insert(ex, JSON.readTree(body(ex)));
      } else if (p.length == 5 && p[3].equals("jobs") && m.equals("GET")) {
        getJob(ex, p[4]);
      } else if (p.length == 6 && p[3].equals("jobs") && p[5].equals("cancel")) {
        Result r = jobs.get(p[4]);
        ObjectNode o = JSON.createObjectNode();
        o.set("job", r == null ? JSON.createObjectNode() : r.job());
        send(ex, 200, o);
      } else if (p.length == 5 && p[3].equals("queries") && m.equals("GET")) {
        page(ex, p[4], q, "bigquery#getQueryResultsResponse", true);
      } else {
        error(ex, 400, "invalid", "fake BigQuery: unsupported " + m + " " + rest);
      }
    } catch (RuntimeException | Error | IOException e) {
      e.printStackTrace(); // a defect of the fake: seen in the test output
      error(ex, 500, "internalError", "fake BigQuery failed: " + e);
    }
  }

  /** The request body; the client gzips what it sends. */
  private static byte[] body(HttpExchange ex) throws IOException {
    byte[] b = ex.getRequestBody().readAllBytes();
    if ("gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))) {
      try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(b))) {
        return in.readAllBytes();
      }
    }
    return b;
  }

  private void listTables(HttpExchange ex, Map<String, String> q) throws IOException {
    List<String> names = new ArrayList<>(new TreeMap<>(tables).keySet());
    int start = q.containsKey("pageToken") ? Integer.parseInt(q.get("pageToken")) : 0;
    int size = Integer.parseInt(q.getOrDefault("maxResults", "50"));
    int end = Math.min(names.size(), start + size);
    ObjectNode o = JSON.createObjectNode().put("kind", "bigquery#tableList").put("totalItems", names.size());
    ArrayNode a = o.putArray("tables");
    for (String n : names.subList(start, end)) {
      ObjectNode t = a.addObject().put("kind", "bigquery#table").put("id", project + ":" + dataset + "." + n)
          .put("type", "TABLE");
      t.set("tableReference", ref(n));
    }
    if (end < names.size()) {
      o.put("nextPageToken", Integer.toString(end));
    }
    send(ex, 200, o);
  }

  private ObjectNode ref(String table) {
    return JSON.createObjectNode().put("projectId", project).put("datasetId", dataset).put("tableId", table);
  }

  private void getTable(HttpExchange ex, String name) throws IOException {
    FakeTable t = tables.get(name);
    if (t == null) {
      error(ex, 404, "notFound", "Not found: Table " + project + ":" + dataset + "." + name);
      return;
    }
    ObjectNode o = JSON.createObjectNode().put("kind", "bigquery#table")
        .put("id", project + ":" + dataset + "." + name).put("type", "TABLE");
    o.set("tableReference", ref(name));
    o.putObject("schema").set("fields", schema(t));
    if (t.partitioned) {
      o.putObject("timePartitioning").put("type", "DAY").put("field", "timestamp");
      o.put("requirePartitionFilter", true);
    }
    send(ex, 200, o);
  }

  // ---- the export's view of an entry ----

  /** A LogEntry as the sink's export stores it: column names of the export, Struct fields as JSON text. */
  static ObjectNode exported(JsonNode entry) {
    ObjectNode row = JSON.createObjectNode();
    for (String f : List.of("insertId", "logName", "severity", "timestamp", "receiveTimestamp")) {
      if (entry.hasNonNull(f)) {
        row.set(f, entry.get(f));
      }
    }
    if (entry.has("resource")) {
      row.set("resource", entry.get("resource"));
    }
    JsonNode pp = entry.get("protoPayload");
    if (pp != null && pp.isObject()) {
      ObjectNode out = row.putObject("protopayload_auditlog");
      pp.properties().forEach(e -> {
        switch (e.getKey()) {
          case "@type" -> { }
          case "request", "response", "metadata" -> out.put(e.getKey() + "Json", e.getValue().toString());
          case "serviceData" -> out.put("serviceDataJson", e.getValue().toString());
          case "authenticationInfo" -> out.set("authenticationInfo", structsAsText(e.getValue(), 0));
          default -> out.set(e.getKey(), e.getValue());
        }
      });
    }
    return row;
  }

  /** authenticationInfo.thirdPartyPrincipal, delegation serviceMetadata and thirdPartyClaims are Structs. */
  private static JsonNode structsAsText(JsonNode n, int depth) {
    if (n.isArray()) {
      ArrayNode a = JSON.createArrayNode();
      n.forEach(c -> a.add(structsAsText(c, depth + 1)));
      return a;
    }
    if (!n.isObject()) {
      return n;
    }
    ObjectNode o = JSON.createObjectNode();
    n.properties().forEach(e -> {
      boolean struct = (depth == 0 && e.getKey().equals("thirdPartyPrincipal"))
          || e.getKey().equals("serviceMetadata") || e.getKey().equals("thirdPartyClaims");
      if (struct && e.getValue().isObject()) {
        o.put(e.getKey() + "Json", e.getValue().toString());
      } else {
        o.set(e.getKey(), structsAsText(e.getValue(), depth + 1));
      }
    });
    return o;
  }

  /** The table's schema: the union of its entries' exported fields (a sink adds a column when a field first comes). */
  private static ArrayNode schema(FakeTable t) {
    ObjectNode union = JSON.createObjectNode();
    for (JsonNode e : t.entries) {
      merge(union, exported(e));
    }
    return fields(union, "");
  }

  private static void merge(ObjectNode into, JsonNode from) {
    from.properties().forEach(e -> {
      JsonNode v = e.getValue();
      JsonNode elem = v.isArray() && !v.isEmpty() ? v.get(0) : v;
      if (elem.isObject()) {
        JsonNode have = into.get(e.getKey());
        ObjectNode sub = have != null && have.isObject() ? (ObjectNode) have : into.putObject(e.getKey());
        if (v.isArray()) {
          sub.put("__repeated", true);
          v.forEach(x -> merge(sub, x));
        } else {
          merge(sub, v);
        }
      } else if (!into.has(e.getKey()) && !v.isNull()) {
        into.set(e.getKey(), v.isArray() ? JSON.createArrayNode().add(elem) : v);
      }
    });
  }

  private static ArrayNode fields(ObjectNode union, String prefix) {
    ArrayNode a = JSON.createArrayNode();
    union.properties().forEach(e -> {
      if (e.getKey().equals("__repeated")) {
        return;
      }
      JsonNode v = e.getValue();
      if (v.isObject()) {
        ArrayNode sub = fields((ObjectNode) v, prefix + e.getKey() + ".");
        if (!sub.isEmpty()) { // a record no entry gave a field is no column at all
          a.addObject().put("name", e.getKey()).put("type", "RECORD")
              .put("mode", v.has("__repeated") ? "REPEATED" : "NULLABLE").set("fields", sub);
        }
        return;
      }
      ObjectNode f = a.addObject().put("name", e.getKey());
      JsonNode s = v.isArray() ? v.get(0) : v;
      String type = s.isBoolean() ? "BOOLEAN" : s.isIntegralNumber() ? "INTEGER" : s.isNumber() ? "FLOAT"
          : (prefix.isEmpty() && (e.getKey().equals("timestamp") || e.getKey().equals("receiveTimestamp")))
              ? "TIMESTAMP" : "STRING";
      f.put("type", type).put("mode", v.isArray() ? "REPEATED" : "NULLABLE");
    });
    return a;
  }

  private static boolean hasPath(ArrayNode fields, String path) {
    ArrayNode level = fields;
    String[] parts = path.split("\\.");
    for (int i = 0; i < parts.length; i++) {
      JsonNode found = null;
      for (JsonNode f : level) {
        if (f.path("name").asText().equalsIgnoreCase(parts[i])) {
          found = f;
        }
      }
      if (found == null) {
        return false;
      }
      if (i < parts.length - 1) {
        if (!found.has("fields")) {
          return false;
        }
        level = (ArrayNode) found.get("fields");
      }
    }
    return true;
  }

  // ---- jobs ----

  private static final Pattern FROM = Pattern.compile("FROM `([^`]+)`");
  private static final Pattern SUFFIX = Pattern.compile("_TABLE_SUFFIX BETWEEN '(\\d{8})' AND '(\\d{8})'");
  private static final Pattern SELECT_ITEM = Pattern.compile("(?m)^  (.+) AS ([a-z_]+),?$");
  private static final Pattern PAYLOAD_PATH = Pattern.compile("protopayload_auditlog(\\.[A-Za-z_]+)+");
  private static final Pattern TOP_COLUMN = Pattern.compile("(?<![.\\w])(insertId|logName|severity|receiveTimestamp"
      + "|resource)(?![\\w])");

  private void insert(HttpExchange ex, JsonNode body) throws IOException {
    inserts.add(body);
    synchronized (this) {
      if (!insertErrorCodes.isEmpty()) {
        int status = insertErrorCodes.poll()[0];
        String reason = insertErrorReasons.poll();
        error(ex, status, reason, reason.equals("quotaExceeded")
            ? "Quota exceeded: Your project exceeded quota for concurrent queries."
            : "Access Denied: Project " + project + ": User does not have bigquery.jobs.create permission in "
                + "project " + project + ".");
        return;
      }
    }
    JsonNode ref = body.path("jobReference");
    String jobId = ref.path("jobId").asText();
    JsonNode qc = body.path("configuration").path("query");
    boolean dryRun = body.path("configuration").path("dryRun").asBoolean(false);
    String sql = qc.path("query").asText();
    if (!qc.hasNonNull("maximumBytesBilled")) {
      error(ex, 400, "invalid", "fake BigQuery: every query must set maximumBytesBilled");
      return;
    }
    long cap = qc.path("maximumBytesBilled").asLong();
    Matcher from = FROM.matcher(sql);
    if (!from.find()) {
      error(ex, 400, "invalidQuery", "no FROM table in: " + sql);
      return;
    }
    String[] fq = from.group(1).split("\\.");
    String name = fq[fq.length - 1];
    Map<String, Instant> params = new HashMap<>();
    for (JsonNode prm : qc.path("queryParameters")) {
      params.put(prm.path("name").asText(), parseTimestamp(prm.path("parameterValue").path("value").asText()));
    }
    if (!sql.contains("timestamp >= @from AND timestamp < @until") || !params.containsKey("from")
        || !params.containsKey("until")) {
      error(ex, 400, "invalidQuery", "Cannot query over table '" + dataset + "." + name + "' without a filter over "
          + "column(s) 'timestamp' that can be used for partition elimination");
      return;
    }
    Instant lo = params.get("from");
    Instant hi = params.get("until");
    List<FakeTable> scanned = new ArrayList<>();
    FakeTable schemaOf;
    if (name.endsWith("_*")) {
      String base = name.substring(0, name.length() - 1);
      Matcher sfx = SUFFIX.matcher(sql);
      if (!sfx.find()) {
        error(ex, 400, "invalidQuery", "fake BigQuery: a wildcard query must filter on _TABLE_SUFFIX");
        return;
      }
      List<String> shards = new TreeMap<>(tables).keySet().stream().filter(n -> n.startsWith(base)
          && n.substring(base.length()).matches("\\d{8}")).toList();
      if (shards.isEmpty()) {
        error(ex, 404, "notFound", "Not found: Table " + project + ":" + dataset + "." + name);
        return;
      }
      schemaOf = tables.get(shards.get(shards.size() - 1)); // the newest table gives the wildcard its schema
      for (String s : shards) {
        String day = s.substring(base.length());
        if (day.compareTo(sfx.group(1)) >= 0 && day.compareTo(sfx.group(2)) <= 0) {
          scanned.add(tables.get(s));
        }
      }
    } else {
      schemaOf = tables.get(name);
      if (schemaOf == null) {
        error(ex, 404, "notFound", "Not found: Table " + project + ":" + dataset + "." + name);
        return;
      }
      scanned.add(schemaOf);
    }
    ArrayNode schema = schema(schemaOf);
    Matcher col = PAYLOAD_PATH.matcher(sql);
    while (col.find()) {
      if (!hasPath(schema, col.group())) {
        error(ex, 400, "invalidQuery", "Unrecognized name or field: " + col.group());
        return;
      }
    }
    Matcher top = TOP_COLUMN.matcher(sql.substring(0, sql.indexOf("FROM `")));
    while (top.find()) {
      if (!hasPath(schema, top.group(1))) {
        error(ex, 400, "invalidQuery", "Unrecognized name: " + top.group(1));
        return;
      }
    }
    List<String> aliases = new ArrayList<>();
    List<String> types = new ArrayList<>();
    List<Boolean> nulls = new ArrayList<>();
    Matcher item = SELECT_ITEM.matcher(sql.substring(0, sql.indexOf("FROM `")));
    while (item.find()) {
      aliases.add(item.group(2));
      nulls.add(item.group(1).startsWith("CAST(NULL"));
      types.add(item.group(1).contains("INT64") || item.group(2).equals("status_code") ? "INTEGER" : "STRING");
    }
    // what is read: every entry of the partitions (days) or shards the query touches
    long bytes = 0;
    List<List<String>> rows = new ArrayList<>();
    String firstDay = DAY.format(lo);
    String lastDay = DAY.format(hi.minusMillis(1));
    for (FakeTable t : scanned) {
      for (JsonNode e : t.entries) {
        Instant ts = parseTimestamp(e.path("timestamp").asText());
        String day = DAY.format(ts);
        if (!t.partitioned || (day.compareTo(firstDay) >= 0 && day.compareTo(lastDay) <= 0)) {
          bytes += BYTES_PER_ENTRY;
        }
        if (!ts.isBefore(lo) && ts.isBefore(hi)) {
          rows.add(project(exported(e), schema, aliases, nulls));
        }
      }
    }
    long billed = bytes == 0 ? 0 : Math.max(MIN_BILLED, bytes);
    ObjectNode job = JSON.createObjectNode().put("kind", "bigquery#job")
        .put("id", project + ":" + ref.path("location").asText("US") + "." + jobId);
    job.set("jobReference", ref);
    ObjectNode conf = job.putObject("configuration").put("jobType", "QUERY").put("dryRun", dryRun);
    ObjectNode query = ((ObjectNode) qc.deepCopy());
    query.putObject("destinationTable").put("projectId", project).put("datasetId", RESULTS_DATASET)
        .put("tableId", jobId);
    conf.set("query", query);
    // int64 values travel as JSON strings in the REST API
    ObjectNode stats = job.putObject("statistics").put("creationTime", Long.toString(System.currentTimeMillis()))
        .put("totalBytesProcessed", Long.toString(bytes));
    stats.putObject("query").put("totalBytesProcessed", Long.toString(bytes))
        .put("totalBytesBilled", Long.toString(dryRun ? 0 : billed)).put("statementType", "SELECT")
        .put("cacheHit", false);
    ObjectNode status = job.putObject("status");
    if (dryRun) {
      status.put("state", "DONE");
    } else if (billed > cap) {
      status.put("state", "DONE");
      ObjectNode err = JSON.createObjectNode().put("reason", "bytesBilledLimitExceeded")
          .put("message", "Query exceeded limit for bytes billed: " + cap + ". " + billed + " or higher required.");
      status.set("errorResult", err);
      status.putArray("errors").add(err);
      rows = List.of();
    } else {
      status.put("state", "RUNNING"); // DONE from the first jobs.get on
    }
    jobs.put(jobId, new Result(job, aliases, types, rows));
    send(ex, 200, job);
  }

  private static List<String> project(ObjectNode row, ArrayNode schema, List<String> aliases, List<Boolean> nulls) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < aliases.size(); i++) {
      out.add(nulls.get(i) ? null : value(row, schema, aliases.get(i)));
    }
    return out;
  }

  /** What each output column of the query gives for one exported row. */
  private static String value(ObjectNode row, ArrayNode schema, String alias) {
    JsonNode pp = row.path("protopayload_auditlog");
    return switch (alias) {
      case "insert_id" -> text(row.get("insertId"));
      case "log_name" -> text(row.get("logName"));
      case "severity" -> text(row.get("severity"));
      case "timestamp" -> micros(row.get("timestamp"));
      case "receive_timestamp" -> micros(row.get("receiveTimestamp"));
      case "resource_json" -> row.has("resource") ? withNulls(row.get("resource"), schema, "resource").toString()
          : null;
      case "service_name" -> text(pp.get("serviceName"));
      case "method_name" -> text(pp.get("methodName"));
      case "resource_name" -> text(pp.get("resourceName"));
      case "authentication_json" -> pp.has("authenticationInfo")
          ? withNulls(pp.get("authenticationInfo"), schema, "protopayload_auditlog.authenticationInfo").toString()
          : null;
      case "authorization_json" -> {
        ArrayNode a = JSON.createArrayNode();
        pp.path("authorizationInfo").forEach(x -> a.addObject().set("granted", x.has("granted") ? x.get("granted")
            : JSON.nullNode()));
        yield a.toString();
      }
      case "caller_ip" -> text(pp.path("requestMetadata").get("callerIp"));
      case "user_agent" -> text(pp.path("requestMetadata").get("callerSuppliedUserAgent"));
      case "status_code" -> text(pp.path("status").get("code"));
      case "status_message" -> text(pp.path("status").get("message"));
      default -> throw new IllegalArgumentException("unknown column " + alias);
    };
  }

  /** TO_JSON_STRING of a record: every field of its schema, null when the row has none. */
  private static JsonNode withNulls(JsonNode value, ArrayNode schema, String path) {
    JsonNode level = null;
    ArrayNode fields = schema;
    for (String part : path.split("\\.")) {
      level = null;
      for (JsonNode f : fields) {
        if (f.path("name").asText().equals(part)) {
          level = f;
        }
      }
      if (level == null || !level.has("fields")) {
        return value;
      }
      fields = (ArrayNode) level.get("fields");
    }
    if (!value.isObject()) {
      return value;
    }
    ObjectNode o = JSON.createObjectNode();
    for (JsonNode f : fields) {
      String n = f.path("name").asText();
      JsonNode v = value.get(n);
      if (v == null) {
        o.putNull(n);
      } else if (f.has("fields") && v.isObject()) {
        o.set(n, withNulls(v, schema, path + "." + n));
      } else {
        o.set(n, v);
      }
    }
    return o;
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() ? null : n.isValueNode() ? n.asText() : n.toString();
  }

  private static String micros(JsonNode n) {
    return n == null || n.isNull() ? null : MICROS.format(parseTimestamp(n.asText()));
  }

  static Instant parseTimestamp(String s) {
    try {
      return Instant.parse(s);
    } catch (RuntimeException e) {
      // the client's TIMESTAMP parameters: 2024-05-01 23:50:00.000000+00:00
      String v = s.replace(' ', 'T');
      v = v.endsWith("+00:00") ? v.substring(0, v.length() - 6) : v;
      return LocalDateTime.parse(v).toInstant(ZoneOffset.UTC);
    }
  }

  private void getJob(HttpExchange ex, String jobId) throws IOException {
    Result r = jobs.get(jobId);
    if (r == null) {
      error(ex, 404, "notFound", "Not found: Job " + project + ":" + jobId);
      return;
    }
    gets.incrementAndGet();
    ObjectNode status = (ObjectNode) r.job().get("status");
    if (status.path("state").asText().equals("RUNNING")) {
      status.put("state", "DONE");
      ((ObjectNode) r.job().get("statistics")).put("endTime", Long.toString(System.currentTimeMillis()));
    }
    send(ex, 200, r.job());
  }

  /** getQueryResults and tabledata.list of a job's results: {@code maxResults} rows from {@code pageToken}. */
  private void page(HttpExchange ex, String jobId, Map<String, String> q, String kind, boolean withSchema)
      throws IOException {
    Result r = jobs.get(jobId);
    if (r == null) {
      error(ex, 404, "notFound", "Not found: Job " + project + ":" + jobId);
      return;
    }
    // a page token wins over startIndex (the client sends startIndex=0 with it); without maxResults the server
    // sizes the page itself (BigQuery by bytes; here pageRows rows)
    int start = q.containsKey("pageToken") ? Integer.parseInt(q.get("pageToken"))
        : Integer.parseInt(q.getOrDefault("startIndex", "0"));
    int size = q.containsKey("maxResults") ? Integer.parseInt(q.get("maxResults")) : pageRows;
    int end = Math.min(r.rows().size(), start + size);
    ObjectNode o = JSON.createObjectNode().put("kind", kind).put("totalRows", Integer.toString(r.rows().size()));
    if (withSchema) {
      o.put("jobComplete", true);
      o.set("jobReference", r.job().get("jobReference"));
      ArrayNode f = o.putObject("schema").putArray("fields");
      for (int i = 0; i < r.aliases().size(); i++) {
        f.addObject().put("name", r.aliases().get(i)).put("type", r.types().get(i)).put("mode", "NULLABLE");
      }
    }
    if (end > start) {
      ArrayNode rows = o.putArray("rows");
      for (List<String> row : r.rows().subList(start, end)) {
        ArrayNode cells = rows.addObject().putArray("f");
        row.forEach(v -> {
          if (v == null) {
            cells.addObject().putNull("v");
          } else {
            cells.addObject().put("v", v);
          }
        });
      }
    }
    if (end < r.rows().size() && end > start) {
      o.put("pageToken", Integer.toString(end));
    }
    send(ex, 200, o);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> m = new LinkedHashMap<>();
    if (raw == null) {
      return m;
    }
    for (String kv : raw.split("&")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        m.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return m;
  }

  private static void error(HttpExchange ex, int status, String reason, String message) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    ObjectNode e = o.putObject("error").put("code", status).put("message", message);
    e.putArray("errors").addObject().put("reason", reason).put("message", message).put("domain", "global");
    e.put("status", status == 403 ? "PERMISSION_DENIED" : status == 404 ? "NOT_FOUND" : "INVALID_ARGUMENT");
    send(ex, status, o);
  }

  private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] b = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
