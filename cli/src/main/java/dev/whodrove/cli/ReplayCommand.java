package dev.whodrove.cli;

import dev.whodrove.classifier.ClassifierConfig;
import dev.whodrove.cli.embedded.Progress;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Re-runs the classifier over session.features as a new consumer group and reports progress until caught up. */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = {"Re-classify history: run the classifier under a new application id (a new consumer group) that "
        + "reads session.features from the beginning (or from a time), re-stamping labels on session.labels, until "
        + "it has caught up. The sink's upserts make sessions.sqlite converge; manual stamps are never overwritten.",
        "Run it with the classifier service's configuration (--config, or the same WHODROVE_* environment: schema "
            + "registry, Kafka security)."})
public final class ReplayCommand implements Callable<Integer> {
  @Option(names = "--classifier-version", required = true,
      description = "Cadence table to score with (v0 or v1); the application id becomes whodrove-classifier-<V>.")
  String version;

  @Option(names = "--application-id", description = "Override the application id (consumer group).")
  String applicationId;

  @Option(names = "--from", description = "Start at this RFC 3339 time instead of the beginning.")
  Instant from;

  @Mixin KafkaClientOptions kafka;

  @Override
  public Integer call() throws Exception {
    String appId = applicationId != null ? applicationId : "whodrove-classifier-" + version;
    String topic = Topics.SESSION_FEATURES.name();
    Map<String, String> overrides = new HashMap<>();
    overrides.put("classifier.cadence.table", version);
    overrides.put(ClassifierConfig.APPLICATION_ID, appId);
    overrides.put("kafka.auto.offset.reset", "earliest");
    overrides.put("http.port", "-1");
    ServiceConfig cfg = kafka.config().with(overrides);
    try (Admin admin = Admin.create(cfg.kafkaClientProperties())) {
      List<TopicPartition> parts = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic)
          .partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      if (from != null) {
        // position the new group before it starts: the Streams app then resumes from these offsets
        Map<TopicPartition, OffsetSpec> spec = parts.stream()
            .collect(Collectors.toMap(p -> p, p -> OffsetSpec.forTimestamp(from.toEpochMilli())));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> at = admin.listOffsets(spec).all().get();
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end = admin.listOffsets(
            parts.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()))).all().get();
        Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
        for (TopicPartition p : parts) {
          long o = at.get(p).offset();
          start.put(p, new OffsetAndMetadata(o >= 0 ? o : end.get(p).offset()));
        }
        admin.alterConsumerGroupOffsets(appId, start).all().get();
      }
      ServiceFactory f = ServiceFactory.named("classifier").orElseThrow();
      ServiceContext ctx = ServiceContext.create(f, cfg);
      try (ServiceHost host = ServiceHost.start(ctx, f.create(ctx), -1)) {
        Map<TopicPartition, Long> target = admin.listOffsets(
            parts.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()))).all().get().entrySet()
            .stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        long total = target.values().stream().mapToLong(Long::longValue).sum();
        System.err.printf("replaying %s as %s (cadence table %s), %d records to read%n", topic, appId, version, total);
        Progress progress = Progress.console();
        while (true) {
          Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(appId)
              .partitionsToOffsetAndMetadata().get();
          long lag = 0;
          for (var e : target.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            lag += Math.max(0, e.getValue() - (c == null ? 0 : c.offset()));
          }
          progress.status(String.format("%d/%d records, lag %d (%s)", total - lag, total, lag,
              host.service().readiness().detail()));
          if (lag == 0) {
            progress.accept("caught up: new labels are on " + Topics.SESSION_LABELS.name());
            break;
          }
          Thread.sleep(500);
        }
      }
    }
    return 0;
  }
}
