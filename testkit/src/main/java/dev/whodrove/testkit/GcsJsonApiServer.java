package dev.whodrove.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An in-process server speaking the part of the Cloud Storage JSON API an object reader uses: listing a bucket's
 * objects under a prefix ({@code GET /storage/v1/b/{bucket}/o?prefix=}, in name order, pages of {@code maxResults}
 * with {@code pageToken}), object metadata ({@code GET /storage/v1/b/{bucket}/o/{object}}) and media download (the same with {@code alt=media}, also under
 * {@code /download}), byte ranges ({@code Range: bytes=N-} / {@code bytes=N-M}, answered 206 with
 * {@code Content-Range}), generations ({@code generation=} must name the current one), and errors as the API writes
 * them ({@code {"error": {"code": …, "message": …}}}). Faults can be planted per object: error statuses for the next
 * requests, a body cut short, a body sent slowly. Every request is recorded.
 */
public final class GcsJsonApiServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern OBJECT_PATH = Pattern.compile("^(?:/download)?/storage/v1/b/([^/]+)/o/(.+)$");
  private static final Pattern LIST_PATH = Pattern.compile("^/storage/v1/b/([^/]+)/o/?$");

  /** One request as received: path with the object name decoded, query parameters, Range header (or null). */
  public record Request(String method, String bucket, String object, Map<String, String> query, String range) {
    public boolean media() {
      return "media".equals(query.get("alt"));
    }
  }

  private record Stored(byte[] bytes, long generation) {}

  private final HttpServer server;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "gcs-json-api");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, Stored> objects = new ConcurrentHashMap<>();
  private final Map<String, Integer> failStatus = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> failTimes = new ConcurrentHashMap<>();
  private final Map<String, Long> cutAfter = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> cutTimes = new ConcurrentHashMap<>();
  private final Map<String, Long> slowMillisPerKiB = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicLong generations = new AtomicLong(1_700_000_000_000_000L);

  public GcsJsonApiServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The endpoint to give the client: {@code http://127.0.0.1:<port>}. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Stores (or replaces, with a new generation) an object; returns its generation. */
  public long put(String bucket, String object, byte[] bytes) {
    long gen = generations.incrementAndGet();
    objects.put(bucket + "/" + object, new Stored(bytes.clone(), gen));
    return gen;
  }

  /**
   * The next {@code times} requests for the object (metadata or media) are answered with {@code status}; with an empty
   * {@code object}, the bucket's next listings.
   */
  public void failNext(String bucket, String object, int status, int times) {
    failStatus.put(bucket + "/" + object, status);
    failTimes.put(bucket + "/" + object, new AtomicInteger(times));
  }

  /** The next {@code times} media responses send the full length in their headers but stop after {@code bytes}. */
  public void cutBodies(String bucket, String object, long bytes, int times) {
    cutAfter.put(bucket + "/" + object, bytes);
    cutTimes.put(bucket + "/" + object, new AtomicInteger(times));
  }

  /** Media responses for the object pause {@code millis} after every KiB. */
  public void slowBodies(String bucket, String object, long millis) {
    slowMillisPerKiB.put(bucket + "/" + object, millis);
  }

  public List<Request> requests() {
    return new ArrayList<>(requests);
  }

  public List<Request> requestsFor(String bucket, String object) {
    return requests.stream().filter(r -> bucket.equals(r.bucket()) && object.equals(r.object())).toList();
  }

  /** Removes an object (a later listing no longer has it). */
  public void delete(String bucket, String object) {
    objects.remove(bucket + "/" + object);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      Matcher list = LIST_PATH.matcher(ex.getRequestURI().getRawPath());
      if ("GET".equals(ex.getRequestMethod()) && list.matches()) {
        list(ex, decode(list.group(1)), query(ex.getRequestURI().getRawQuery()));
        return;
      }
      Matcher m = OBJECT_PATH.matcher(ex.getRequestURI().getRawPath());
      if (!"GET".equals(ex.getRequestMethod()) || !m.matches()) {
        error(ex, 400, "only object reads are served here: " + ex.getRequestMethod() + " "
            + ex.getRequestURI().getRawPath());
        return;
      }
      String bucket = decode(m.group(1));
      String object = decode(m.group(2));
      Map<String, String> query = query(ex.getRequestURI().getRawQuery());
      Request req = new Request(ex.getRequestMethod(), bucket, object, query,
          ex.getRequestHeaders().getFirst("Range"));
      requests.add(req);
      String key = bucket + "/" + object;
      AtomicInteger fails = failTimes.get(key);
      if (fails != null && fails.getAndDecrement() > 0) {
        error(ex, failStatus.get(key), "planted failure");
        return;
      }
      Stored s = objects.get(key);
      if (s == null || query.containsKey("generation") && Long.parseLong(query.get("generation")) != s.generation()) {
        error(ex, 404, "No such object: " + key);
        return;
      }
      if (req.media()) {
        media(ex, key, s, req.range());
      } else {
        metadata(ex, bucket, object, s);
      }
    } catch (IOException e) {
      // the client went away (a cut body, a timeout): nothing to answer
    }
  }

  /** A page of the objects under {@code prefix}, in name order; the page token is the last name of the page before. */
  private void list(HttpExchange ex, String bucket, Map<String, String> query) throws IOException {
    String prefix = query.getOrDefault("prefix", "");
    String after = query.getOrDefault("pageToken", "");
    int max = Integer.parseInt(query.getOrDefault("maxResults", "1000"));
    requests.add(new Request("GET", bucket, "", query, null));
    AtomicInteger fails = failTimes.get(bucket + "/");
    if (fails != null && fails.getAndDecrement() > 0) {
      error(ex, failStatus.get(bucket + "/"), "planted failure");
      return;
    }
    List<String> names = objects.keySet().stream().filter(k -> k.startsWith(bucket + "/"))
        .map(k -> k.substring(bucket.length() + 1)).filter(n -> n.startsWith(prefix) && n.compareTo(after) > 0)
        .sorted().toList();
    ObjectNode page = JSON.createObjectNode();
    page.put("kind", "storage#objects");
    var items = page.putArray("items");
    for (String name : names.subList(0, Math.min(max, names.size()))) {
      Stored s = objects.get(bucket + "/" + name);
      if (s != null) {
        items.add(objectResource(bucket, name, s));
      }
    }
    if (names.size() > max) {
      page.put("nextPageToken", names.get(max - 1));
    }
    byte[] body = JSON.writeValueAsBytes(page);
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
    ex.sendResponseHeaders(200, body.length);
    ex.getResponseBody().write(body);
  }

  private static ObjectNode objectResource(String bucket, String object, Stored s) {
    ObjectNode n = JSON.createObjectNode();
    n.put("kind", "storage#object");
    n.put("id", bucket + "/" + object + "/" + s.generation());
    n.put("name", object);
    n.put("bucket", bucket);
    n.put("generation", Long.toString(s.generation()));
    n.put("metageneration", "1");
    n.put("contentType", "application/octet-stream");
    n.put("size", Long.toString(s.bytes().length));
    n.put("storageClass", "STANDARD");
    return n;
  }

  private void metadata(HttpExchange ex, String bucket, String object, Stored s) throws IOException {
    byte[] body = JSON.writeValueAsBytes(objectResource(bucket, object, s));
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
    ex.sendResponseHeaders(200, body.length);
    ex.getResponseBody().write(body);
  }

  private void media(HttpExchange ex, String key, Stored s, String range) throws IOException {
    long total = s.bytes().length;
    long from = 0;
    long to = total - 1;
    if (range != null) {
      Matcher r = Pattern.compile("^bytes=(\\d+)-(\\d*)$").matcher(range.trim());
      if (!r.matches()) {
        error(ex, 400, "bad range " + range);
        return;
      }
      from = Long.parseLong(r.group(1));
      if (!r.group(2).isEmpty()) {
        to = Math.min(to, Long.parseLong(r.group(2)));
      }
      if (from >= total && total > 0) {
        error(ex, 416, "range not satisfiable: " + range);
        return;
      }
    }
    long length = Math.max(0, to - from + 1);
    ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
    ex.getResponseHeaders().set("x-goog-generation", Long.toString(s.generation()));
    ex.getResponseHeaders().set("x-goog-metageneration", "1");
    ex.getResponseHeaders().set("x-goog-stored-content-length", Long.toString(total));
    ex.getResponseHeaders().set("x-goog-stored-content-encoding", "identity");
    if (range != null) {
      ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + total);
      ex.sendResponseHeaders(206, length == 0 ? -1 : length);
    } else {
      ex.sendResponseHeaders(200, length == 0 ? -1 : length);
    }
    long send = length;
    AtomicInteger cuts = cutTimes.get(key);
    if (cuts != null && cuts.getAndDecrement() > 0) {
      send = Math.min(send, cutAfter.get(key));
    }
    long slow = slowMillisPerKiB.getOrDefault(key, 0L);
    OutputStream out = ex.getResponseBody();
    int pos = (int) from;
    long left = send;
    while (left > 0) {
      int n = (int) Math.min(left, 1024);
      out.write(s.bytes(), pos, n);
      pos += n;
      left -= n;
      if (slow > 0) {
        out.flush();
        sleep(slow);
      }
    }
    if (send < length) {
      out.flush();
      // the headers promised more: drop the connection so the client sees a body cut short
      throw new IOException("cut");
    }
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static void error(HttpExchange ex, int status, String message) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    ObjectNode err = n.putObject("error");
    err.put("code", status);
    err.put("message", message);
    err.putArray("errors").addObject().put("message", message).put("domain", "global")
        .put("reason", status == 404 ? "notFound" : status == 403 ? "forbidden" : status >= 500 ? "backendError"
            : "invalid");
    byte[] body = JSON.writeValueAsBytes(n);
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> q = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return q;
    }
    for (String part : raw.split("&")) {
      int eq = part.indexOf('=');
      q.put(decode(eq < 0 ? part : part.substring(0, eq)), eq < 0 ? "" : decode(part.substring(eq + 1)));
    }
    return q;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
