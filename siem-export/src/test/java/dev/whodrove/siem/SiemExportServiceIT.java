package dev.whodrove.siem;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.testkit.Await;
import dev.whodrove.testkit.TopicReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of the service on a real broker, sharing the work by partitions: the merged feeds, dead letters, and
 * {@code GET /sessions/{id}} answered by whichever instance is asked, through the one that holds the session.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class SiemExportServiceIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SESSIONS = 8;
  private final HttpClient client = HttpClient.newHttpClient();

  private static ServiceHost start(String bootstrap, Path state) throws Exception {
    Map<String, String> cfg = new HashMap<>(Map.of(
        "kafka.bootstrap.servers", bootstrap,
        "state.dir", state.toString(),
        "http.port", "-1",
        "topics.replication.factor", "1",
        SiemConfig.OCSF, "true",
        SiemConfig.HTTP_HOST, "127.0.0.1",
        SiemConfig.HTTP_PORT, "0",
        SiemConfig.APPLICATION_ID, "whodrove-siem-export-it"));
    ServiceContext ctx = ServiceContext.create("siem-export", ServiceConfig.of(cfg));
    return ServiceHost.start(ctx, new SiemExportService(ctx), -1);
  }

  private static int port(ServiceHost h) {
    return ((SiemExportService) h.service()).queryPort();
  }

  private HttpResponse<String> get(ServiceHost at, String id) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(at) + "/sessions/" + id)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void twoInstancesMergeThePartitionsTheyHoldAndAnswerForEachOther(EmbeddedKafkaBroker broker, @TempDir Path a,
      @TempDir Path b) throws Exception {
    String bootstrap = broker.bootstrapServers();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Topics.ensureTopics(admin, List.of(Topics.SESSION_LABELS), 4, (short) 1, Duration.ofSeconds(30));
    }
    try (ServiceHost first = start(bootstrap, a); ServiceHost second = start(bootstrap, b)) {
      Await.until(() -> first.readiness().ready() && second.readiness().ready(), "both instances running");
      var serde = Topics.SESSION_LABELS.valueSerde(Map.of());
      try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
          new ByteArraySerializer(), new ByteArraySerializer())) {
        p.send(new ProducerRecord<>(Topics.SESSION_LABELS.name(), bytes("it-bad"), new byte[] {0x0a, (byte) 0xff}));
        for (int i = 0; i < SESSIONS; i++) {
          String sid = "it-" + i;
          List<SessionVerdict> stamps = new ArrayList<>(List.of(Verdicts.phase1(sid, "agent", "kimi-k2.6",
              Verdicts.T0), Verdicts.stamps(sid, Verdicts.P2, Verdicts.T0 + 60_000, "agent.tool", "codex")));
          if (i % 2 == 0) {
            stamps.add(Verdicts.stamps(sid, "manual:analyst-7", Verdicts.T0 + 120_000, "review.status", "open"));
          }
          for (SessionVerdict v : stamps) {
            p.send(new ProducerRecord<>(Topics.SESSION_LABELS.name(), bytes(sid),
                serde.serializer().serialize(Topics.SESSION_LABELS.name(), v)));
          }
        }
        p.flush();
      }

      // the feed: every change of every session, the last one carrying all its producers' stamps
      Map<String, JsonNode> latest = new HashMap<>();
      Await.until(() -> {
        TopicReader.readCommitted(bootstrap, Topics.SESSION_LABELS_JSON.name(), r -> true, l -> false,
            Duration.ofMillis(500)).forEach(r -> latest.merge(TopicReader.key(r), tree(r.value()),
                (x, y) -> y.path("sequence").asLong() > x.path("sequence").asLong() ? y : x));
        return latest.size() == SESSIONS && latest.values().stream()
            .allMatch(n -> n.path("sequence").asLong() == (n.path("labels").has("review.status") ? 3 : 2));
      }, "every session merged on " + Topics.SESSION_LABELS_JSON.name(), Duration.ofSeconds(90));
      assertThat(latest.get("it-0").path("labels").path("agent.tool").asText()).isEqualTo("codex");
      assertThat(latest.get("it-0").path("labels").path("cadence.label").asText()).isEqualTo("kimi-k2.6");
      assertThat(TopicReader.readCommitted(bootstrap, Topics.SESSION_FINDINGS_OCSF.name(),
          r -> TopicReader.key(r).equals("it-0"), l -> l.size() >= 3, Duration.ofSeconds(30)))
          .extracting(r -> tree(r.value()).path("activity_id").asInt()).containsExactly(1, 2, 2);

      DeadLetter dead = TopicReader.value(TopicReader.readCommitted(bootstrap,
          Topics.SESSION_LABELS.deadLetterTopic(), r -> true, l -> !l.isEmpty(), Duration.ofSeconds(30)).get(0),
          DeadLetter.parser());
      assertThat(dead.getReason()).contains("undecodable");
      assertThat(dead.getService()).isEqualTo("siem-export");

      // every session from either instance: its own store, or forwarded to the one holding it
      Set<String> answeredBy = new HashSet<>();
      for (ServiceHost asked : List.of(first, second)) {
        for (int i = 0; i < SESSIONS; i++) {
          String sid = "it-" + i;
          HttpResponse<String>[] r = new HttpResponse[1];
          Await.until(() -> {
            try {
              r[0] = get(asked, sid);
            } catch (Exception e) {
              throw new AssertionError(e);
            }
            return r[0].statusCode() != 503;
          }, "an answer for " + sid);
          assertThat(r[0].statusCode()).as(r[0].body()).isEqualTo(200);
          assertThat(tree(r[0].body().getBytes(StandardCharsets.UTF_8))).isEqualTo(latest.get(sid));
          String by = r[0].headers().firstValue(SessionQueryServer.ANSWERED_BY).orElseThrow();
          answeredBy.add(asked.httpPort() + "|" + (by.endsWith(":" + port(asked)) ? "self" : "other"));
        }
      }
      assertThat(answeredBy).as("each instance answered some sessions itself and forwarded others")
          .contains("-1|self", "-1|other");
      HttpResponse<String> unknown = get(first, "it-nobody");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(tree(unknown.body().getBytes(StandardCharsets.UTF_8)).path("error").asText()).isEqualTo("not_found");
    }
  }

  private static JsonNode tree(byte[] json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
