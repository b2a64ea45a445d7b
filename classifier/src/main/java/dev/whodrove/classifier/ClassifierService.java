package dev.whodrove.classifier;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.Readiness;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.runtime.StreamsService;
import dev.whodrove.schemas.TopicDefinition;
import dev.whodrove.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classifier service: the topology hosted by {@link StreamsService}; {@link ServiceHost} creates its topics, the
 * JSON mirror topics it is configured to write included.
 */
public final class ClassifierService implements ManagedService {
  private static final Logger log = LoggerFactory.getLogger(ClassifierService.class);
  public static final String NAME = "classifier";
  public static final int HTTP_PORT = 9405;

  private final ServiceContext ctx;
  private final ClassifierConfig config;
  private final StreamsService streams;

  public ClassifierService(ServiceContext ctx) {
    this.ctx = ctx;
    this.config = ClassifierConfig.from(ctx.config());
    this.streams = new StreamsService(ctx, ClassifierTopology.build(config, ctx.metrics()), config.applicationId(), ownedTopics());
  }

  public ClassifierConfig config() {
    return config;
  }

  @Override
  public String name() {
    return ctx.serviceName();
  }

  /** Its outputs, the dead-letter companion of its input, and the JSON topics this configuration writes. */
  @Override
  public List<TopicDefinition> ownedTopics() {
    List<TopicDefinition> topics = new ArrayList<>(
        List.of(Topics.SESSION_LABELS, Topics.SESSION_ESCALATIONS, Topics.deadLetterOf(Topics.SESSION_FEATURES)));
    if (config.jsonMirror()) {
      topics.add(Topics.SESSION_LABELS_JSON);
    }
    if (config.ocsf()) {
      topics.add(Topics.SESSION_FINDINGS_OCSF);
    }
    return List.copyOf(topics);
  }

  @Override
  public void start() {
    log.info("{}: application id {}, cadence table {}, json mirror {}, ocsf {}", name(), config.applicationId(),
        config.cadence().stage(), config.jsonMirror(), config.ocsf());
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
