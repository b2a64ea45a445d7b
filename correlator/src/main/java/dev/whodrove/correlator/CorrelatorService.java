package dev.whodrove.correlator;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.Readiness;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.StreamsService;
import dev.whodrove.schemas.TopicDefinition;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The correlator service: the topology hosted by {@link StreamsService} (exactly-once v2, dead letters, health). */
public final class CorrelatorService implements ManagedService {
  private static final Logger log = LoggerFactory.getLogger(CorrelatorService.class);
  public static final String NAME = "correlator";
  public static final int HTTP_PORT = 9408;

  private final ServiceContext ctx;
  private final CorrelatorConfig config;
  private final StreamsService streams;

  public CorrelatorService(ServiceContext ctx) {
    this.ctx = ctx;
    this.config = CorrelatorConfig.from(ctx.config());
    this.streams = new StreamsService(ctx, CorrelatorTopology.build(config, new CorrelatorMetrics(ctx.metrics())),
        config.applicationId(), ownedTopics());
  }

  public CorrelatorConfig config() {
    return config;
  }

  @Override
  public String name() {
    return ctx.serviceName();
  }

  /**
   * Its outputs, the dead-letter companion of its input (shared with the sink, which reads the same topic), and one
   * for the repartition topic: a record the correlation step cannot process is dead-lettered to
   * {@code <repartition topic>.dlq} by the runtime's handler, which needs the topic to exist.
   */
  @Override
  public List<TopicDefinition> ownedTopics() {
    TopicSpec<DeadLetter> repartitionDlq = new TopicSpec<>(config.repartitionTopic() + ".dlq", "the original key",
        DeadLetter.getDefaultInstance(), 1, "delete", Duration.ofDays(30), false);
    return List.of(Topics.SESSION_LABELS, Topics.SESSION_CORRELATIONS, Topics.deadLetterOf(Topics.SESSION_LABELS),
        repartitionDlq);
  }

  @Override
  public void start() {
    log.info("{}: application id {}, reads {} verdicts, tolerance {}, retention {}, {} identity rule(s)", name(),
        config.applicationId(), config.inputStage(), config.tolerance(), config.retention(),
        config.bridge().ruleCount());
    streams.start();
  }

  @Override
  public Readiness readiness() {
    return streams.readiness();
  }

  @Override
  public void stop(Duration timeout) {
    streams.stop(timeout);
  }
}
