package dev.whodrove.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import dev.whodrove.schemas.ExampleRecords;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ProtobufSerdeTest {

  @SuppressWarnings("unchecked")
  private static <M extends Message> void roundTrip(TopicSpec<M> spec, Message sample, Map<String, ?> cfg,
      boolean expectFramed) {
    ProtobufSerde<M> serde = spec.valueSerde(cfg);
    byte[] bytes = serde.serialize(spec.name(), (M) sample);
    assertThat(bytes[0] == 0).as("registry framing on %s", spec.name()).isEqualTo(expectFramed);
    assertThat(serde.deserialize(spec.name(), bytes)).isEqualTo(sample);
    // a reader without a registry reads the framed bytes too, and vice versa
    assertThat(spec.valueSerde(Map.of()).deserialize(spec.name(), bytes)).isEqualTo(sample);
  }

  @Test
  void everyTopicRoundTripsAsPlainProtobuf() {
    Map<String, Message> samples = ExampleRecords.byTopic();
    for (TopicSpec<?> spec : Topics.all()) {
      assertThat(samples).containsKey(spec.name());
      roundTrip(spec, samples.get(spec.name()), Map.of(), false);
    }
  }

  @Test
  void everyTopicRoundTripsInRegistryFramingAndRegistersItsSchemaWithReferences() throws Exception {
    Map<String, Message> samples = ExampleRecords.byTopic();
    try (InProcessSchemaRegistry registry = new InProcessSchemaRegistry()) {
      Map<String, String> cfg = Map.of(ProtobufSerde.REGISTRY_URL, registry.url());
      for (TopicSpec<?> spec : Topics.all()) {
        roundTrip(spec, samples.get(spec.name()), cfg, true);
      }
      // verdict.proto imports features.proto which imports common.proto: each registered under its file name
      assertThat(registry.registrations).anySatisfy(body ->
          assertThat(body.path("references").toString()).contains("whodrove/v1/features.proto"));
      assertThat(registry.registrations).anySatisfy(body ->
          assertThat(body.get("schema").asText()).contains("message SessionVerdict"));
    }
  }

  @Test
  void framedRecordCarriesSchemaIdAndMessageIndex() throws Exception {
    try (InProcessSchemaRegistry registry = new InProcessSchemaRegistry()) {
      ProtobufSerde<RecordingRef> serde = Topics.TELEPORT_RECORDINGS.valueSerde(
          Map.of(ProtobufSerde.REGISTRY_URL, registry.url()));
      RecordingRef ref = RecordingRef.newBuilder().setSessionId("s").setUri("file:///r/s.tar").build();
      byte[] bytes = serde.serialize("teleport.recordings", ref);
      int id = ((bytes[1] & 0xff) << 24) | ((bytes[2] & 0xff) << 16) | ((bytes[3] & 0xff) << 8) | (bytes[4] & 0xff);
      assertThat(id).isPositive();
      // RecordingRef is the second message of teleport.proto: index array [1] = count 1, index 1, zig-zag encoded
      assertThat(Arrays.copyOfRange(bytes, 5, 7)).containsExactly(2, 2);
      assertThat(Arrays.copyOfRange(bytes, 7, bytes.length)).isEqualTo(ref.toByteArray());
    }
  }

  @Test
  void lookupOnlyModeFailsClearlyWhenTheSchemaIsNotRegistered() throws Exception {
    try (InProcessSchemaRegistry registry = new InProcessSchemaRegistry()) {
      ProtobufSerde<RecordingRef> serde = Topics.TELEPORT_RECORDINGS.valueSerde(
          Map.of(ProtobufSerde.REGISTRY_URL, registry.url(), ProtobufSerde.AUTO_REGISTER, "false"));
      assertThatThrownBy(() -> serde.serialize("teleport.recordings", RecordingRef.getDefaultInstance()))
          .isInstanceOf(SerializationException.class).hasMessageContaining("HTTP 404");
    }
  }

  @Test
  void nestedMessageIndexesEncodeAsZigZagArray() {
    assertThat(ProtobufSerde.messageIndexes(CadenceFeatures.getDescriptor())).containsExactly(2);
    assertThat(ProtobufSerde.messageIndexes(SessionFeatures.getDescriptor())).containsExactly(0);
    assertThat(ProtobufSerde.encodeIndexes(new int[] {0})).containsExactly(0);
    assertThat(ProtobufSerde.encodeIndexes(new int[] {1})).containsExactly(2, 2);
    assertThat(ProtobufSerde.encodeIndexes(new int[] {1, 0})).containsExactly(4, 2, 0);
  }

  @Test
  void corruptFramesAreRejectedWithAClearError() {
    ProtobufSerde<SessionVerdict> serde = Topics.SESSION_LABELS.valueSerde(Map.of());
    assertThatThrownBy(() -> serde.deserialize("session.labels", new byte[] {0, 0, 0}))
        .isInstanceOf(SerializationException.class).hasMessageContaining("corrupt registry frame")
        .hasMessageContaining("3 bytes");
    assertThatThrownBy(() -> serde.deserialize("session.labels", new byte[] {0, 0, 0, 0, 1, 2, 6}))
        .isInstanceOf(SerializationException.class).hasMessageContaining("message index [3]");
    assertThatThrownBy(() -> serde.deserialize("session.labels", new byte[] {0, 0, 0, 0, 1, (byte) 0x82}))
        .isInstanceOf(SerializationException.class).hasMessageContaining("truncated message indexes");
    assertThatThrownBy(() -> serde.deserialize("session.labels", new byte[] {0x0a, 0x7f, 'x'}))
        .isInstanceOf(SerializationException.class).hasMessageContaining("cannot parse whodrove.v1.SessionVerdict");
    assertThatThrownBy(() -> serde.deserialize("session.labels", new byte[] {0, 0, 0, 0, 1, 2, 2, (byte) 0xff}))
        .isInstanceOf(SerializationException.class).hasMessageContaining("cannot parse");
  }

  @Test
  void nullStaysNull() {
    ProtobufSerde<SessionVerdict> serde = Topics.SESSION_LABELS.valueSerde(Map.of());
    assertThat(serde.serialize("t", null)).isNull();
    assertThat(serde.deserialize("t", null)).isNull();
  }
}
