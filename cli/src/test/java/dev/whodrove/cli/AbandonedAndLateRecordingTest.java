package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.classifier.ClassifierConfig;
import dev.whodrove.classifier.ClassifierTopology;
import dev.whodrove.decoder.RecordingDecoder;
import dev.whodrove.featurizer.FeaturizerConfig;
import dev.whodrove.featurizer.FeaturizerTopology;
import dev.whodrove.ingest.teleport.AuditEventParser;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.StreamsService;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import dev.whodrove.sim.ProtoStreamWriter;
import dev.whodrove.sim.SimulatedSession;
import dev.whodrove.sim.TeleportSimulator;
import dev.whodrove.sink.SessionDatabase;
import dev.whodrove.sink.SessionDetail;
import dev.whodrove.sink.SessionLabel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Teleport session whose recording is abandoned (its audit {@code session.end} is logged, no upload follows) and
 * then arrives late, through the featurizer and classifier topologies and into {@code sessions.sqlite}: after the
 * featurizer's recording wait the session is judged without a recording ({@code coverage.gap=recording-missing},
 * operator unknown); the recording uploaded hours later, in event time and by the clock, brings a corrected verdict
 * for the same session that replaces the first one in the database, gap included. Once within the featurizer's
 * retention (the correction is revision 2), once after it (the session is rebuilt from its recording alone).
 */
class AbandonedAndLateRecordingTest {
  private static final Instant WALL0 = Instant.parse("2026-11-02T12:00:00Z");
  private static final String URI_PREFIX = "file:///var/lib/teleport/log/records";

  @TempDir Path tmp;
  private TopologyTestDriver featurizer;
  private TopologyTestDriver classifier;
  private TestInputTopic<String, TeleportAuditEvent> audit;
  private TestInputTopic<String, RecordingEvent> recordings;
  private TestOutputTopic<String, SessionFeatures> features;
  private TestInputTopic<String, SessionFeatures> classifierIn;
  private TestOutputTopic<String, SessionVerdict> verdicts;
  private SessionDatabase db;
  private SimulatedSession session;

  @BeforeEach
  void start() throws Exception {
    ServiceConfig sc = ServiceConfig.of(Map.of("kafka.bootstrap.servers", "localhost:1"));
    Properties fp = StreamsService.streamsProperties(sc, "featurizer", "featurizer-late-test");
    fp.put(StreamsConfig.STATE_DIR_CONFIG, Files.createDirectories(tmp.resolve("featurizer-state")).toString());
    featurizer = new TopologyTestDriver(FeaturizerTopology.build(FeaturizerConfig.defaults()), fp, WALL0);
    ClassifierConfig cc = ClassifierConfig.defaults();
    Properties cp = StreamsService.streamsProperties(sc, "classifier", cc.applicationId());
    cp.put(StreamsConfig.STATE_DIR_CONFIG, Files.createDirectories(tmp.resolve("classifier-state")).toString());
    classifier = new TopologyTestDriver(ClassifierTopology.build(cc), cp, WALL0);
    var keys = Serdes.String();
    audit = featurizer.createInputTopic(Topics.TELEPORT_AUDIT_EVENTS.name(), keys.serializer(),
        Topics.TELEPORT_AUDIT_EVENTS.valueSerde(Map.of()).serializer());
    recordings = featurizer.createInputTopic(Topics.TELEPORT_RECORDING_EVENTS.name(), keys.serializer(),
        Topics.TELEPORT_RECORDING_EVENTS.valueSerde(Map.of()).serializer());
    features = featurizer.createOutputTopic(Topics.SESSION_FEATURES.name(), keys.deserializer(),
        Topics.SESSION_FEATURES.valueSerde(Map.of()).deserializer());
    classifierIn = classifier.createInputTopic(Topics.SESSION_FEATURES.name(), keys.serializer(),
        Topics.SESSION_FEATURES.valueSerde(Map.of()).serializer());
    verdicts = classifier.createOutputTopic(Topics.SESSION_LABELS.name(), keys.deserializer(),
        Topics.SESSION_LABELS.valueSerde(Map.of()).deserializer());
    db = SessionDatabase.open(tmp.resolve("sessions.sqlite"));
    long sessionsStart = WALL0.minus(Duration.ofHours(2)).toEpochMilli();
    session = new TeleportSimulator(17, sessionsStart, URI_PREFIX).next("opus-4.6");
  }

  @AfterEach
  void stop() {
    featurizer.close();
    classifier.close();
    db.close();
  }

  @Test
  void aRecordingUploadedHoursLaterCorrectsTheVerdictOfTheSameSession() throws Exception {
    SessionVerdict missing = abandon();
    featurizer.advanceWallClockTime(Duration.ofHours(3));
    SessionVerdict corrected = upload(Duration.ofHours(3));

    assertThat(corrected.getFeatures().getRevision()).isEqualTo(missing.getFeatures().getRevision() + 1);
    assertThat(corrected.getFeatures().getUser()).as("the audit log's identity is kept")
        .isEqualTo(missing.getFeatures().getUser());
    assertCorrected(corrected);
  }

  @Test
  void aRecordingUploadedAfterTheFeaturizerForgotTheSessionStillCorrectsIt() throws Exception {
    abandon();
    // past the featurizer's retention of finished sessions (48 h): the session is rebuilt from its recording alone
    for (int h = 0; h < 50; h++) {
      featurizer.advanceWallClockTime(Duration.ofHours(1));
    }
    SessionVerdict corrected = upload(Duration.ofHours(50));
    assertThat(corrected.getFeatures().getRevision()).isEqualTo(1);
    assertCorrected(corrected);
  }

  /** session.start and session.end logged, no upload: judged without a recording after the featurizer's wait. */
  private SessionVerdict abandon() throws Exception {
    AuditEventParser parser = new AuditEventParser(AuditEventParser.DEFAULT_MAX_BYTES,
        Clock.fixed(Instant.ofEpochMilli(session.endMs()).plus(Duration.ofHours(1)), ZoneOffset.UTC));
    int piped = 0;
    for (String line : session.auditJsonLines()) {
      TeleportAuditEvent e = parser.parse(line, SourcePosition.getDefaultInstance());
      if (e.getType().equals("session.start") || e.getType().equals("session.end")) {
        audit.pipeInput(e.getSessionId(), e, e.getTimeMs());
        piped++;
      }
    }
    assertThat(piped).isEqualTo(2);
    featurizer.advanceWallClockTime(Duration.ofMinutes(9));
    assertThat(features.isEmpty()).as("still within the recording wait").isTrue();
    featurizer.advanceWallClockTime(Duration.ofMinutes(2));
    SessionVerdict v = classify();
    assertThat(v.getFeatures().getTeleport().getRecordingPresent()).isFalse();
    assertThat(labels(v)).containsEntry("coverage.gap", "recording-missing").containsEntry("operator.type", "unknown");
    db.apply(v);
    SessionDetail row = db.showSession(session.sessionId()).orElseThrow();
    assertThat(row.column("coverage_gap")).isEqualTo("recording-missing");
    assertThat(row.column("recording_present")).isEqualTo(0);
    return v;
  }

  /** The recording, decoded as the decoder publishes it, arriving {@code late} after the session's end. */
  private SessionVerdict upload(Duration late) throws Exception {
    ByteArrayOutputStream object = new ByteArrayOutputStream();
    try (ProtoStreamWriter w = new ProtoStreamWriter(object)) {
      for (OneOf e : session.recording()) {
        w.write(e);
      }
    }
    List<RecordingEvent> events = new ArrayList<>();
    String uri = URI_PREFIX + "/" + session.sessionId() + ".tar";
    RecordingDecoder.Result r = new RecordingDecoder(RecordingDecoder.Settings.defaults()).decode(
        new ByteArrayInputStream(object.toByteArray()), session.sessionId(), uri, object.size(), events::add);
    assertThat(r.ok()).isTrue();
    long arrivedMs = session.endMs() + late.toMillis();
    for (RecordingEvent e : events) {
      recordings.pipeInput(session.sessionId(), e, arrivedMs);
    }
    return classify();
  }

  /** The one feature record the featurizer has emitted, classified; its verdict applied to the database. */
  private SessionVerdict classify() throws Exception {
    List<SessionFeatures> out = features.readValuesToList();
    assertThat(out).hasSize(1);
    classifierIn.pipeInput(out.get(0).getSessionId(), out.get(0));
    List<SessionVerdict> vs = verdicts.readValuesToList();
    assertThat(vs).hasSize(1);
    return vs.get(0);
  }

  private void assertCorrected(SessionVerdict corrected) throws Exception {
    assertThat(corrected.getSessionId()).isEqualTo(session.sessionId());
    assertThat(corrected.getFeatures().getTeleport().getRecordingPresent()).isTrue();
    assertThat(labels(corrected)).doesNotContainKey("coverage.gap")
        .containsEntry("operator.type", session.expectedOperator());
    db.apply(corrected);
    SessionDetail row = db.showSession(session.sessionId()).orElseThrow();
    assertThat(row.column("recording_present")).isEqualTo(1);
    assertThat(row.column("coverage_gap")).as("the gap is gone with the verdict that named it").isNull();
    Map<String, String> stored = row.labels().stream()
        .collect(Collectors.toMap(SessionLabel::key, SessionLabel::value, (a, b) -> b, TreeMap::new));
    assertThat(stored).isEqualTo(labels(corrected));
  }

  private static Map<String, String> labels(SessionVerdict v) {
    return v.getLabelsList().stream().collect(Collectors.toMap(Label::getKey, Label::getValue, (a, b) -> b,
        TreeMap::new));
  }
}
