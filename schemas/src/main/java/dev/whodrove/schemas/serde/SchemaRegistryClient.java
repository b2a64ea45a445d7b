package dev.whodrove.schemas.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The few calls of the Confluent-compatible Schema Registry REST API the serializer needs (Confluent SR, Apicurio's
 * ccompat API, Karapace and Redpanda all serve them): register a schema under a subject, and look one up.
 */
public final class SchemaRegistryClient {
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A schema reference: an imported file registered under its own subject. */
  public record Reference(String name, String subject, int version) {}

  /** What the registry answers for a registered schema. */
  public record Registered(int id, int version) {}

  private final URI baseUrl;
  private final String authorization;
  private final HttpClient http;
  private final Duration timeout;

  /**
   * @param baseUrl registry base URL, e.g. {@code http://registry:8081}
   * @param basicAuthUserInfo {@code user:password}, or null
   */
  public SchemaRegistryClient(String baseUrl, String basicAuthUserInfo, Duration timeout) {
    this.baseUrl = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
    this.authorization = basicAuthUserInfo == null || basicAuthUserInfo.isBlank() ? null
        : "Basic " + Base64.getEncoder().encodeToString(basicAuthUserInfo.getBytes(StandardCharsets.UTF_8));
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /** {@code POST /subjects/{subject}/versions}: registers (or finds) the schema; returns its global id. */
  public int register(String subject, String schemaText, List<Reference> references) {
    JsonNode body = post("subjects/" + encode(subject) + "/versions", schemaBody(schemaText, references));
    return requireInt(body, "id", subject);
  }

  /** {@code POST /subjects/{subject}}: looks up an already registered schema; returns its id and version. */
  public Registered lookup(String subject, String schemaText, List<Reference> references) {
    JsonNode body = post("subjects/" + encode(subject), schemaBody(schemaText, references));
    return new Registered(requireInt(body, "id", subject), requireInt(body, "version", subject));
  }

  private static ObjectNode schemaBody(String schemaText, List<Reference> references) {
    ObjectNode body = JSON.createObjectNode();
    body.put("schemaType", "PROTOBUF");
    body.put("schema", schemaText);
    if (!references.isEmpty()) {
      ArrayNode refs = body.putArray("references");
      for (Reference r : references) {
        refs.addObject().put("name", r.name()).put("subject", r.subject()).put("version", r.version());
      }
    }
    return body;
  }

  private JsonNode post(String path, ObjectNode body) {
    URI uri = baseUrl.resolve(path);
    try {
      HttpRequest.Builder req = HttpRequest.newBuilder(uri)
          .timeout(timeout)
          .header("Content-Type", CONTENT_TYPE)
          .header("Accept", CONTENT_TYPE + ", application/json")
          .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
      if (authorization != null) {
        req.header("Authorization", authorization);
      }
      HttpResponse<String> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
      if (resp.statusCode() / 100 != 2) {
        throw new SerializationException("schema registry " + uri + " answered HTTP " + resp.statusCode() + ": "
            + abbreviate(resp.body()));
      }
      return JSON.readTree(resp.body());
    } catch (IOException e) {
      throw new SerializationException("schema registry " + uri + " unreachable: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SerializationException("interrupted while calling schema registry " + uri, e);
    }
  }

  private static int requireInt(JsonNode body, String field, String subject) {
    JsonNode v = body.get(field);
    if (v == null || !v.canConvertToInt()) {
      throw new SerializationException("schema registry answer for subject " + subject + " has no '" + field + "': "
          + abbreviate(body.toString()));
    }
    return v.intValue();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String abbreviate(String s) {
    return s == null ? "" : s.length() <= 300 ? s : s.substring(0, 300) + "…";
  }
}
