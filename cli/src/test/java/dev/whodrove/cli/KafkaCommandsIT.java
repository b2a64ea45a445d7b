package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.whodrove.ingest.teleport.FileBackendSource;
import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.runtime.DeadLetters;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.DeadLetterReplay;
import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import dev.whodrove.sim.GcpSimulator;
import dev.whodrove.sim.ProtoStreamWriter;
import dev.whodrove.sim.SimulatedSession;
import dev.whodrove.sim.TeleportSimulator;
import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.testkit.TopicReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands that read and write Kafka, run as an operator runs them, against one embedded broker: {@code dlq ls}
 * and {@code dlq replay} over dead letters that real service paths wrote (the recording decoder, ingest-gcp's
 * archive reader, ingest-teleport's file backend) or that {@link DeadLetters} wrote as those services would,
 * {@code label set} taking its identity from the configuration, {@code label set} and {@code topics --create} on the
 * broker's SASL listener with the services' client configuration; and the SIEM's view of a session that phase 1,
 * phase 2 and a person stamped, merged by siem-export into its feeds and its query endpoint.
 */
class KafkaCommandsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String SASL_USER = "analyst-7";
  private static final String SASL_PASSWORD = "correct-horse";
  private static EmbeddedKafkaBroker broker;
  private static String bootstrap;

  @TempDir static Path tmp;

  @BeforeAll
  static void startBroker() {
    // besides its PLAINTEXT listener, a SASL_PLAINTEXT one (PLAIN) as a secured cluster's clients reach it
    broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.ephemeral()
        .withSaslPlainUsers(Map.of(SASL_USER, SASL_PASSWORD)));
    bootstrap = broker.bootstrapServers();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Topics.ensureTopics(admin, Topics.all(), 1, (short) 1, Duration.ofSeconds(30));
    }
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }


  private static String[] args(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--bootstrap-servers", bootstrap));
    return all.toArray(String[]::new);
  }

  private static List<ConsumerRecord<byte[], byte[]>> read(String topic,
      Predicate<ConsumerRecord<byte[], byte[]>> filter, int atLeast) {
    List<ConsumerRecord<byte[], byte[]>> got = TopicReader.readCommitted(bootstrap, topic, filter,
        l -> l.size() >= atLeast, WAIT);
    assertThat(got).as("records on " + topic).hasSizeGreaterThanOrEqualTo(atLeast);
    return got;
  }

  private static JsonNode tree(byte[] json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private static DeadLetter deadLetter(ConsumerRecord<byte[], byte[]> r) {
    return TopicReader.value(r, DeadLetter.parser());
  }

  private static void send(ProducerRecord<byte[], byte[]> record) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      p.send(record).get(30, TimeUnit.SECONDS);
    }
  }

  private static ServiceHost startService(String name, Map<String, String> cfg) throws Exception {
    ServiceFactory f = ServiceFactory.named(name).orElseThrow();
    java.util.HashMap<String, String> all = new java.util.HashMap<>(cfg);
    all.put("kafka.bootstrap.servers", bootstrap);
    all.put("http.port", "-1");
    ServiceContext ctx = ServiceContext.create(f, ServiceConfig.of(all));
    return ServiceHost.start(ctx, f.create(ctx), -1);
  }

  @Test
  void aRecordingThatWasMissingIsDecodedOnceItExistsAndAReplayIsNotRepeated() throws Exception {
    Path records = Files.createDirectories(tmp.resolve("records"));
    SimulatedSession s = new TeleportSimulator(3, System.currentTimeMillis() - 3_600_000, records.toUri().toString())
        .next("human");
    String sid = s.sessionId();
    Path tar = records.resolve(sid + ".tar");
    RecordingRef ref = RecordingRef.newBuilder().setSessionId(sid).setUri(tar.toUri().toString())
        .setOrigin("session.upload").build();
    String dlq = Topics.TELEPORT_RECORDINGS.deadLetterTopic();
    try (ServiceHost decoder = startService("recording-decoder", Map.of(
        "decoder.store.file.roots", records.toString(), "decoder.store.retry.initial", "100ms"))) {
      // the reference arrives before its object: the decoder dead-letters it and moves on
      send(new ProducerRecord<>(Topics.TELEPORT_RECORDINGS.name(), sid.getBytes(StandardCharsets.UTF_8),
          ref.toByteArray()));
      ConsumerRecord<byte[], byte[]> first = read(dlq, r -> deadLetter(r).getReason().contains(sid), 1).get(0);
      assertThat(deadLetter(first).getService()).isEqualTo("recording-decoder");

      CliRun ls = CliRun.of(args("dlq", "ls", dlq, "--reason", sid, "--json"));
      assertThat(ls.exit()).isZero();
      assertThat(ls.json()).hasSize(1);
      JsonNode row = ls.json().get(0);
      assertThat(row.get("service").asText()).isEqualTo("recording-decoder");
      assertThat(row.get("reason").asText()).contains("not found");
      assertThat(row.get("source").get("kind").asText()).isEqualTo("kafka");
      assertThat(row.get("source").get("topic").asText()).isEqualTo(Topics.TELEPORT_RECORDINGS.name());
      assertThat(row.get("original_size").asLong()).isEqualTo(ref.toByteArray().length);
      assertThat(row.get("truncated").asBoolean()).isFalse();
      assertThat(row.get("replayed").asBoolean()).isFalse();
      CliRun table = CliRun.of(args("dlq", "ls", dlq, "--reason", sid));
      assertThat(table.out()).contains("recording-decoder").contains("teleport.recordings/0@")
          .contains("1 dead letter(s) in " + dlq);

      // the cause is fixed: the object is there now
      try (OutputStream out = Files.newOutputStream(tar); ProtoStreamWriter w = new ProtoStreamWriter(out)) {
        for (OneOf e : s.recording()) {
          w.write(e);
        }
      }
      CliRun dry = CliRun.of(args("dlq", "replay", dlq, "--reason", sid, "--dry-run"));
      assertThat(dry.exit()).isZero();
      assertThat(dry.out()).contains("would re-publish to teleport.recordings").contains("nothing written");

      CliRun replay = CliRun.of(args("dlq", "replay", dlq, "--reason", sid));
      assertThat(replay.exit()).as(replay.err()).isZero();
      assertThat(replay.out()).containsPattern("published → teleport.recordings\\s+1");
      List<ConsumerRecord<byte[], byte[]>> decoded = read(Topics.TELEPORT_RECORDING_EVENTS.name(),
          r -> sid.equals(TopicReader.key(r)) && TopicReader.value(r, RecordingEvent.parser()).hasComplete()
              && TopicReader.value(r, RecordingEvent.parser()).getComplete().getParseError().isEmpty(), 1);
      assertThat(TopicReader.value(decoded.get(0), RecordingEvent.parser()).getComplete().getPrintEvents())
          .isPositive();
      List<ConsumerRecord<byte[], byte[]>> republished = read(Topics.TELEPORT_RECORDINGS.name(),
          r -> r.headers().lastHeader(DeadLetterReplayer.HEADER_REPLAY_OF) != null && sid.equals(TopicReader.key(r)),
          1);
      assertThat(republished.get(0).value()).isEqualTo(ref.toByteArray());

      // the ledger says it went back, and a second replay does not send it again
      assertThat(CliRun.of(args("dlq", "ls", dlq, "--reason", sid, "--json")).json().get(0).get("replayed")
          .asBoolean()).isTrue();
      List<ConsumerRecord<byte[], byte[]>> ledger = read(Topics.DLQ_REPLAYS.name(),
          r -> TopicReader.key(r).equals(dlq + "|" + first.partition() + "|" + first.offset()), 1);
      DeadLetterReplay entry = TopicReader.value(ledger.get(0), DeadLetterReplay.parser());
      assertThat(entry.getTarget()).isEqualTo(Topics.TELEPORT_RECORDINGS.name());
      assertThat(entry.getOutcome()).isEqualTo("published");
      CliRun again = CliRun.of(args("dlq", "replay", dlq, "--reason", sid));
      assertThat(again.out()).contains("re-submitted 0").containsPattern("already replayed.*\\s+1");
      assertThat(TopicReader.readCommitted(bootstrap, Topics.TELEPORT_RECORDINGS.name(),
          r -> r.headers().lastHeader(DeadLetterReplayer.HEADER_REPLAY_OF) != null && sid.equals(TopicReader.key(r)),
          l -> false, Duration.ofSeconds(2))).hasSize(1);

      CliRun topics = CliRun.of(args("dlq", "ls"));
      assertThat(topics.exit()).isZero();
      assertThat(topics.out()).containsPattern(dlq.replace(".", "\\.") + "\\s+\\d+\\s+[1-9]")
          .contains(Topics.GCP_AUDIT_ENTRIES.deadLetterTopic());
    }
  }

  @Test
  void gcpDeadLettersGoBackThroughTheIngestParserAndTruncatedOnesNever() throws Exception {
    String dlq = Topics.GCP_AUDIT_ENTRIES.deadLetterTopic();
    Path archive = Files.createDirectories(tmp.resolve("gcp"));
    Path file = archive.resolve("audit-" + UUID.randomUUID() + ".jsonl");
    // a line that is not JSON, and one longer than gcp.entry.max.bytes, of which only the first bytes are kept
    String oversize = "{\"x\":\"" + "a".repeat(6000) + "\"}";
    Files.writeString(file, "this is not a log entry\n" + oversize + "\n");
    Map<String, String> gcp = Map.of("gcp.archive.paths", file.toString(), "gcp.entry.max.bytes", "4096",
        "gcp.archive.state.file", tmp.resolve("gcp-state").toString());
    try (ServiceHost ingest = startService("ingest-gcp", gcp)) {
      read(dlq, r -> deadLetter(r).getSource().getLocator().equals(file.toString()), 2);
    }
    // an entry the parser once refused for a defect that is fixed now, dead-lettered as the service does it
    GcpSimulator.Activity activity = new GcpSimulator(5, System.currentTimeMillis() - 3_600_000)
        .next("human-gcloud");
    String entryJson = activity.jsonLines().get(0);
    String insertId = JSON.readTree(entryJson).get("insertId").asText();
    SourcePosition pulled = SourcePosition.newBuilder().setSource("pubsub-pull").setLocator("msg-" + insertId)
        .setOffset(-1).build();
    send(new DeadLetters("ingest-gcp", Map.of()).forSource(dlq, pulled, null,
        entryJson.getBytes(StandardCharsets.UTF_8), "parse_error: a parser defect, fixed since", null));

    CliRun ls = CliRun.of(args("dlq", "ls", dlq, "--json"));
    assertThat(ls.exit()).isZero();
    assertThat(ls.json()).hasSize(3);
    assertThat(ls.json()).filteredOn(n -> n.get("truncated").asBoolean())
        .singleElement().satisfies(n -> {
          assertThat(n.get("reason").asText()).startsWith("too_large");
          assertThat(n.get("original_size").asLong()).isEqualTo(oversize.length());
          assertThat(n.get("source").get("kind").asText()).isEqualTo("jsonl");
          assertThat(n.get("source").get("offset").asLong()).isEqualTo(2);
        });
    assertThat(CliRun.of(args("dlq", "ls", dlq, "--reason", "NOT_JSON", "--json")).json()).singleElement()
        .satisfies(n -> assertThat(n.get("source").get("locator").asText()).isEqualTo(file.toString()));

    Path config = Files.writeString(tmp.resolve("gcp.properties"), "gcp.entry.max.bytes=4096\n");
    CliRun replay = CliRun.of(args("dlq", "replay", dlq, "--config", config.toString()));
    assertThat(replay.exit()).as(replay.err()).isZero();
    assertThat(replay.out())
        .containsPattern("published → gcp.audit.entries\\s+1")
        .containsPattern("still rejected, fresh dead letter → gcp.audit.entries.dlq\\s+1")
        .containsPattern("truncated: the original was not kept whole\\s+1")
        .contains("skipped: truncated: it keeps 4096 of " + oversize.length() + " value bytes");
    // published with its first position, as the Pub/Sub source would have
    GcpAuditEntry entry = TopicReader.value(read(Topics.GCP_AUDIT_ENTRIES.name(),
        r -> TopicReader.value(r, GcpAuditEntry.parser()).getInsertId().equals(insertId), 1).get(0),
        GcpAuditEntry.parser());
    assertThat(entry.getSource()).isEqualTo(pulled);
    // the line that is still no entry is a fresh dead letter with the same position and reason
    List<ConsumerRecord<byte[], byte[]>> notJson = read(dlq,
        r -> deadLetter(r).getReason().startsWith("not_json"), 2);
    assertThat(deadLetter(notJson.get(1)).getSource()).isEqualTo(deadLetter(notJson.get(0)).getSource());
    assertThat(deadLetter(notJson.get(1)).getService()).isEqualTo("ingest-gcp");

    // twice: the two that went back are not sent again; the fresh dead letter is tried once
    CliRun twice = CliRun.of(args("dlq", "replay", dlq, "--config", config.toString()));
    assertThat(twice.out())
        .containsPattern("already replayed.*\\s+2")
        .containsPattern("truncated: the original was not kept whole\\s+1")
        .containsPattern("still rejected, fresh dead letter → gcp.audit.entries.dlq\\s+1")
        .doesNotContain("published →");
  }

  @Test
  void teleportDeadLettersGoBackThroughTheFileBackendPaths() throws Exception {
    Path data = tmp.resolve("teleport");
    Path logDir = Files.createDirectories(data.resolve("log/auth"));
    SimulatedSession s = new TeleportSimulator(9, System.currentTimeMillis() - 3_600_000,
        data.resolve("log/records").toUri().toString()).next("human");
    String start = s.auditJsonLines().stream().filter(l -> l.contains("\"session.start\"")).findFirst()
        .orElseThrow();
    String badUrl = "{\"event\":\"session.upload\",\"uid\":\"" + UUID.randomUUID() + "\",\"time\":\""
        + java.time.Instant.now().minusSeconds(60) + "\",\"sid\":\"" + s.sessionId()
        + "\",\"url\":\"file:///var/lib/teleport/log/records/../../../etc/" + s.sessionId() + ".tar\"}";
    Path log = logDir.resolve("2026-12-01.log");
    Files.writeString(log, "{ half an event\n" + badUrl + "\n");
    ServiceContext ctx = ServiceContext.create("ingest-teleport", ServiceConfig.of(Map.of(
        "kafka.bootstrap.servers", bootstrap, FileBackendSource.DATA_DIR, data.toString(),
        FileBackendSource.STATE_PATH, tmp.resolve("teleport-state.json").toString())));
    FileBackendSource.ingestOnce(ctx);
    String eventsDlq = Topics.TELEPORT_AUDIT_EVENTS.deadLetterTopic();
    String refsDlq = Topics.TELEPORT_RECORDINGS.deadLetterTopic();
    read(eventsDlq, r -> deadLetter(r).getSource().getLocator().equals(log.toString()), 1);
    read(refsDlq, r -> deadLetter(r).getSource().getLocator().equals(log.toString()), 1);
    // an event a parser defect once refused, dead-lettered as the file backend does it
    SourcePosition at = SourcePosition.newBuilder().setSource("file").setLocator(log.toString()).setOffset(4096)
        .build();
    send(new DeadLetters("ingest-teleport", Map.of()).forSource(eventsDlq, at, null,
        start.getBytes(StandardCharsets.UTF_8), "parser failed on this event: a defect, fixed since", null));

    CliRun replay = CliRun.of(args("dlq", "replay", eventsDlq));
    assertThat(replay.exit()).as(replay.err()).isZero();
    assertThat(replay.out()).containsPattern("published → teleport.audit.events\\s+1")
        .containsPattern("still rejected, fresh dead letter → teleport.audit.events.dlq\\s+1");
    TeleportAuditEvent event = TopicReader.value(read(Topics.TELEPORT_AUDIT_EVENTS.name(),
        r -> TopicReader.value(r, TeleportAuditEvent.parser()).getSource().equals(at), 1).get(0),
        TeleportAuditEvent.parser());
    assertThat(event.getType()).isEqualTo("session.start");
    assertThat(event.getSessionId()).isEqualTo(s.sessionId());

    // the refused reference is refused again (its url still climbs out), and not published as an event twice
    CliRun refs = CliRun.of(args("dlq", "replay", refsDlq, "--reason", "segment"));
    assertThat(refs.exit()).as(refs.err()).isZero();
    assertThat(refs.out()).containsPattern("still rejected, fresh dead letter → teleport.recordings.dlq\\s+1");
    assertThat(read(refsDlq, r -> deadLetter(r).getSource().getLocator().equals(log.toString()), 2)).hasSize(2);
    assertThat(TopicReader.readCommitted(bootstrap, Topics.TELEPORT_AUDIT_EVENTS.name(),
        r -> TopicReader.value(r, TeleportAuditEvent.parser()).getType().equals("session.upload")
            && TopicReader.value(r, TeleportAuditEvent.parser()).getSessionId().equals(s.sessionId()),
        l -> false, Duration.ofSeconds(2))).hasSize(1);
  }

  @Test
  void manualAndPhaseTwoStampsReachTheSiemFeedsMergedWithPhaseOne() throws Exception {
    // an OpenAI-compatible model server that answers every escalation alike
    HttpServer model = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ObjectNode answer = JSON.createObjectNode().put("agent_tool", "claude-code").put("agent_tool_confidence", 0.8)
        .put("work_kind", "deploy").put("work_kind_confidence", 0.7).put("suspected_model", "kimi-k2.6")
        .put("suspected_model_confidence", 0.6).put("rationale", "bursts of output with no keystroke echo");
    ObjectNode completion = JSON.createObjectNode().put("id", "chatcmpl-siem").put("object", "chat.completion");
    completion.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop").putObject("message")
        .put("role", "assistant").put("content", answer.toString());
    byte[] reply = completion.toString().getBytes(StandardCharsets.UTF_8);
    model.createContext("/v1/chat/completions", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, reply.length);
      ex.getResponseBody().write(reply);
      ex.close();
    });
    model.start();

    // an agent's SSH session, its recording featurized with the services' own decoder and accumulator
    Path records = Files.createDirectories(tmp.resolve("siem-records"));
    SimulatedSession s = new TeleportSimulator(21, System.currentTimeMillis() - 3_600_000,
        records.toUri().toString()).next("kimi-k2.6");
    String sid = s.sessionId();
    Path tar = records.resolve(sid + ".tar");
    try (OutputStream out = Files.newOutputStream(tar); ProtoStreamWriter w = new ProtoStreamWriter(out)) {
      for (OneOf e : s.recording()) {
        w.write(e);
      }
    }
    SessionFeatures recorded = OfflineRecording.featurize(tar, OfflineRecording.NO_PRINTS);
    SessionFeatures features = recorded.toBuilder().setUser("alice").setTeleport(recorded.getTeleport().toBuilder()
        .setKind("ssh").setPtyPresent(true).setServerHostname("db-01")).build(); // what the audit events add

    try (ServiceHost siem = startService("siem-export", Map.of("siem.ocsf.enabled", "true",
            "siem.http.port", "0", "siem.http.host", "127.0.0.1", "state.dir", tmp.resolve("siem-state").toString()));
        ServiceHost llm = startService("llm-scorer", Map.of("llm.base.url",
            "http://127.0.0.1:" + model.getAddress().getPort() + "/v1", "llm.model", "test-model",
            "llm.api.key", "sk-test", "llm.request.timeout", "5s"));
        ServiceHost classifier = startService("classifier", Map.of(
            "state.dir", tmp.resolve("classifier-state").toString()))) {
      send(new ProducerRecord<>(Topics.SESSION_FEATURES.name(), sid.getBytes(StandardCharsets.UTF_8),
          features.toByteArray()));
      // phase 2 has answered once its stamps are on session.labels
      read(Topics.SESSION_LABELS.name(), r -> sid.equals(TopicReader.key(r))
          && TopicReader.value(r, SessionVerdict.parser()).getStage().startsWith("phase2-llm@"), 1);

      Path config = Files.writeString(tmp.resolve("reviewer.properties"), "label.operator=analyst-9\n");
      CliRun stamp = CliRun.of(args("label", "set", "--session", sid, "--key", "review.verdict", "--value", "agent",
          "--config", config.toString()));
      assertThat(stamp.exit()).as(stamp.err()).isZero();

      // the JSON feed: the last record of the session holds every producer's stamps
      List<ConsumerRecord<byte[], byte[]>> feed = read(Topics.SESSION_LABELS_JSON.name(),
          r -> sid.equals(TopicReader.key(r)) && tree(r.value()).path("labels").has("review.verdict"), 1);
      JsonNode merged = tree(feed.get(0).value());
      assertThat(merged.path("stage").asText()).isEqualTo("manual:analyst-9");
      assertThat(merged.path("label_set_by").path("review.verdict").asText()).isEqualTo("manual:analyst-9");
      assertThat(merged.path("labels").path("operator.type").asText()).isEqualTo("agent");
      assertThat(merged.path("label_set_by").path("operator.type").asText()).isEqualTo("phase1-classifier@v1");
      assertThat(merged.path("labels").path("cadence.label").asText()).isEqualTo("kimi-k2.6");
      assertThat(merged.path("labels").path("agent.tool").asText()).isEqualTo("claude-code");
      assertThat(merged.path("label_set_by").path("agent.tool").asText()).isEqualTo("phase2-llm@v1");
      assertThat(merged.path("labels").path("work.kind").asText()).isEqualTo("deploy");
      assertThat(merged.path("evidence").path("teleport").path("server_hostname").asText()).isEqualTo("db-01");

      // the OCSF feed: one finding for the session, created by phase 1 and updated by phase 2 and the person
      List<JsonNode> findings = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> r : read(Topics.SESSION_FINDINGS_OCSF.name(),
          r -> sid.equals(TopicReader.key(r)), 3)) {
        findings.add(tree(r.value()));
      }
      assertThat(findings).extracting(f -> f.path("finding_info").path("uid").asText())
          .containsOnly("whodrove:session:" + sid);
      assertThat(findings.get(0).path("activity_id").asInt()).isEqualTo(1);
      assertThat(findings.subList(1, findings.size())).allSatisfy(f -> assertThat(f.path("activity_id").asInt())
          .isEqualTo(2));
      JsonNode last = findings.get(findings.size() - 1);
      assertThat(last.path("metadata").path("version").asText()).isEqualTo("1.4.0");
      assertThat(last.path("unmapped").path("labels").path("agent.tool").asText()).isEqualTo("claude-code");
      assertThat(last.path("unmapped").path("labels").path("review.verdict").asText()).isEqualTo("agent");
      assertThat(last.path("status_id").asInt()).as("a person has looked at it").isEqualTo(2);

      // and the store answers for it
      int port = ((dev.whodrove.siem.SiemExportService) siem.service()).queryPort();
      HttpResponse<String> got = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/sessions/" + sid)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
      assertThat(JSON.readTree(got.body())).isEqualTo(merged);
    } finally {
      model.stop(0);
    }
  }

  @Test
  void labelSetStampsTheIdentityOfTheConfigurationOnly() throws Exception {
    String sid = "s-" + UUID.randomUUID();
    String[] stamp = {"label", "set", "--session", sid, "--key", "review.verdict", "--value", "agent"};
    CliRun anonymous = CliRun.of(args(stamp));
    assertThat(anonymous.exit()).isEqualTo(1);
    assertThat(anonymous.err()).contains("no operator identity").contains("label.operator");

    Path config = Files.writeString(tmp.resolve("analyst.properties"), "label.operator=analyst-7\n");
    List<String> withConfig = new ArrayList<>(List.of(stamp));
    withConfig.addAll(List.of("--config", config.toString()));
    List<String> impersonating = new ArrayList<>(withConfig);
    impersonating.addAll(List.of("--by", "someone-else"));
    CliRun refused = CliRun.of(args(impersonating.toArray(String[]::new)));
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("--by someone-else is not the identity").contains("analyst-7");

    withConfig.addAll(List.of("--by", "analyst-7"));
    CliRun ok = CliRun.of(args(withConfig.toArray(String[]::new)));
    assertThat(ok.exit()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("set_by=manual:analyst-7");
    assertThat(ok.err()).contains("not verified");
    List<ConsumerRecord<byte[], byte[]>> stamps = TopicReader.readCommitted(bootstrap, Topics.SESSION_LABELS.name(),
        r -> sid.equals(TopicReader.key(r)), l -> false, Duration.ofSeconds(3));
    assertThat(stamps).singleElement().satisfies(r -> assertThat(
        TopicReader.value(r, SessionVerdict.parser()).getLabels(0).getSetBy()).isEqualTo("manual:analyst-7"));

    // the dead-letter commands refuse what is not a dead-letter topic, clearly
    CliRun notDlq = CliRun.of(args("dlq", "ls", Topics.SESSION_LABELS.name()));
    assertThat(notDlq.exit()).isEqualTo(1);
    assertThat(notDlq.err()).contains("is not a DeadLetter");
    CliRun unknown = CliRun.of(args("dlq", "replay", "no.such.topic.dlq"));
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("no topic no.such.topic.dlq").contains("teleport.recordings.dlq");
  }

  @Test
  void onASaslListenerTheCommandsWorkWithTheServicesClientConfigurationAndFailClearlyWithoutIt() throws Exception {
    Path jaas = Files.writeString(tmp.resolve("analyst-jaas"), "org.apache.kafka.common.security.plain.PlainLoginModule "
        + "required username=\"" + SASL_USER + "\" password=\"" + SASL_PASSWORD + "\";\n");
    Path sasl = Files.writeString(tmp.resolve("sasl.properties"), String.join("\n",
        "kafka.bootstrap.servers=" + broker.saslBootstrapServers(),
        "kafka.security.protocol=SASL_PLAINTEXT",
        "kafka.sasl.mechanism=PLAIN",
        "kafka.sasl.jaas.config.file=" + jaas, ""));

    // topics --create: the replay ledger may be missing still; every topic is there afterwards (the catalogue, the
    // correlations read outside whodrove, the ledger)
    CliRun create = CliRun.of("topics", "--create", "--json", "--config", sasl.toString());
    assertThat(create.exit()).as(create.err()).isZero();
    assertThat(create.json()).hasSize(Topics.all().size() + 2).allSatisfy(n -> assertThat(n.has("created")).isTrue());
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(Topics.DLQ_REPLAYS.name())
          .contains(Topics.SESSION_LABELS.name()).contains(Topics.SESSION_CORRELATIONS.name());
    }

    // label set: the stamp names the SASL principal, verified by the broker: no warning
    String sid = "s-" + UUID.randomUUID();
    CliRun stamp = CliRun.of("label", "set", "--config", sasl.toString(), "--session", sid, "--key",
        "review.verdict", "--value", "human", "--by", SASL_USER);
    assertThat(stamp.exit()).as(stamp.err()).isZero();
    assertThat(stamp.out()).contains("set_by=manual:" + SASL_USER).contains("SASL principal");
    assertThat(stamp.err()).doesNotContain("warning");
    assertThat(TopicReader.readCommitted(bootstrap, Topics.SESSION_LABELS.name(), r -> sid.equals(TopicReader.key(r)),
        l -> !l.isEmpty(), WAIT)).singleElement().satisfies(r -> assertThat(
        TopicReader.value(r, SessionVerdict.parser()).getLabels(0).getSetBy()).isEqualTo("manual:" + SASL_USER));

    // the same settings from the environment alone, as a container sets them, reach the cluster as that principal
    ServiceConfig fromEnv = new KafkaClientOptions().config(Map.of(
        "WHODROVE_KAFKA_BOOTSTRAP_SERVERS", broker.saslBootstrapServers(),
        "WHODROVE_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
        "WHODROVE_KAFKA_SASL_MECHANISM", "PLAIN",
        "WHODROVE_KAFKA_SASL_JAAS_CONFIG_FILE", jaas.toString()));
    assertThat(OperatorIdentity.from(fromEnv)).isEqualTo(
        new OperatorIdentity(SASL_USER, OperatorIdentity.Basis.SASL));
    try (Admin admin = Admin.create(fromEnv.kafkaClientProperties())) {
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(Topics.SESSION_LABELS.name());
    }

    // a wrong password: refused by the broker, said at once
    Path wrong = Files.writeString(tmp.resolve("wrong-jaas"), Files.readString(jaas).replace(SASL_PASSWORD, "nope"));
    Path wrongConfig = Files.writeString(tmp.resolve("wrong.properties"),
        Files.readString(sasl).replace(jaas.toString(), wrong.toString()));
    CliRun refused = CliRun.of("topics", "--create", "--config", wrongConfig.toString());
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.out()).isEmpty();
    assertThat(refused.err()).contains("could not create topics").contains("Authentication failed")
        .doesNotContain("nope");

    // no SASL settings against the SASL port: the client only sees disconnects; the message says what to check
    Path plain = Files.writeString(tmp.resolve("plain.properties"),
        "kafka.bootstrap.servers=" + broker.saslBootstrapServers() + "\nlabel.operator=" + SASL_USER + "\n");
    CliRun unsecured = CliRun.of("label", "set", "--config", plain.toString(), "--session", sid, "--key",
        "review.verdict", "--value", "agent");
    assertThat(unsecured.exit()).isEqualTo(1);
    assertThat(unsecured.err()).contains("nothing was written").contains("kafka.security.protocol=PLAINTEXT")
        .contains(broker.saslBootstrapServers());
    assertThat(TopicReader.readCommitted(bootstrap, Topics.SESSION_LABELS.name(), r -> sid.equals(TopicReader.key(r)),
        l -> false, Duration.ofSeconds(2))).hasSize(1);
  }
}
