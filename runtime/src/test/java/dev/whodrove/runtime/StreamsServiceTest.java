package dev.whodrove.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class StreamsServiceTest {
  /**
   * Kafka Streams warns about the global thread's processing handler for each StreamsConfig it builds with it off;
   * building the client builds two (the application's and the partition assignor's, from the main consumer's config).
   */
  @Test
  void theStreamsClientIsBuiltWithoutTheGlobalThreadWarning() throws Exception {
    Properties props = StreamsService.streamsProperties(ServiceConfig.of(Map.of(
        "kafka.bootstrap.servers", "127.0.0.1:1",
        StreamsService.STATE_DIR, Files.createTempDirectory("streams").toString())), "echo", "echo-test");
    StreamsBuilder b = new StreamsBuilder();
    b.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
        .to("out", Produced.with(Serdes.String(), Serdes.String()));
    Logger streamsConfig = (Logger) LoggerFactory.getLogger("org.apache.kafka.streams.StreamsConfig");
    Logger network = (Logger) LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient");
    Level networkLevel = network.getLevel();
    network.setLevel(Level.ERROR); // nothing listens on the bootstrap address: the clients are built, never used
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    streamsConfig.addAppender(logged);
    try (KafkaStreams streams = new KafkaStreams(b.build(), props)) {
      streams.close(Duration.ZERO);
    } finally {
      streamsConfig.detachAppender(logged);
      network.setLevel(networkLevel);
    }
    assertThat(logged.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .extracting(ILoggingEvent::getFormattedMessage)
        .noneMatch(m -> m.contains("GlobalThread"));
  }

  @Test
  void recordLimitsComeFromTheOnePlaceAndAKafkaKeyCannotSplitThem() {
    Properties props = StreamsService.streamsProperties(ServiceConfig.of(Map.of(
        "kafka.bootstrap.servers", "127.0.0.1:1", "kafka.max.request.size", "1048576",
        MessageLimits.MAX_MESSAGE_BYTES, "3145728")), "echo", "echo-test");
    assertThat(props.get("producer.max.request.size")).isEqualTo(3145728);
    assertThat(props.get("topic.max.message.bytes")).isEqualTo("3145728");
    assertThat(props.get(StreamsDeadLetterHandlers.MAX_ORIGINAL_BYTES_CONFIG))
        .isEqualTo(Integer.toString(MessageLimits.DEFAULT_DEAD_LETTER_MAX_ORIGINAL_BYTES));
  }

  @Test
  void streamsOwnTopicsAreReplicatedLikeTheServicesTopicsUnlessAKafkaKeySaysOtherwise() {
    Properties replicated = StreamsService.streamsProperties(ServiceConfig.of(Map.of(
        "kafka.bootstrap.servers", "127.0.0.1:1", ServiceHost.TOPICS_REPLICATION_FACTOR, "3",
        ServiceHost.TOPICS_MIN_INSYNC_REPLICAS, "2")), "echo", "echo-test");
    assertThat(replicated.get("replication.factor")).isEqualTo(3);
    assertThat(replicated.get("topic.min.insync.replicas")).isEqualTo("2");
    Properties overridden = StreamsService.streamsProperties(ServiceConfig.of(Map.of(
        "kafka.bootstrap.servers", "127.0.0.1:1", ServiceHost.TOPICS_REPLICATION_FACTOR, "3",
        "kafka.replication.factor", "1")), "echo", "echo-test");
    assertThat(overridden.get("replication.factor")).isEqualTo("1");
    Properties unset = StreamsService.streamsProperties(ServiceConfig.of(Map.of(
        "kafka.bootstrap.servers", "127.0.0.1:1")), "echo", "echo-test");
    assertThat(unset).doesNotContainKeys("replication.factor", "topic.min.insync.replicas");
  }
}
