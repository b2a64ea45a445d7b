package dev.whodrove.classifier;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.Readiness;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.runtime.StreamsService;
import dev.whodrove.schemas.TopicDefinition;
import dev.whodrove.schemas.Topics;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classifier service: the topology hosted by {@link StreamsService}; {@link ServiceHost} creates its topics. The
 * SIEM's JSON and OCSF feeds are siem-export's (every stage's stamps merged), no longer the classifier's.
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
    this.streams = new StreamsService(ctx, ClassifierTopology.build(config), config.applicationId(), ownedTopics());
  }

  public ClassifierConfig config() {
    return config;
  }

  @Override
  public String name() {
    return ctx.serviceName();
  }

  /** Its outputs and the dead-letter companion of its input. */
  @Override
  public List<TopicDefinition> ownedTopics() {
    return List.of(Topics.SESSION_LABELS, Topics.SESSION_ESCALATIONS, Topics.deadLetterOf(Topics.SESSION_FEATURES));
  }

  @Override
  public void start() {
    log.info("{}: application id {}, cadence table {}", name(), config.applicationId(), config.cadence().stage());
    ClassifierConfig.MOVED_KEYS.forEach((old, now) -> {
      if (ctx.config().has(old)) {
        log.warn("{}: {} has no effect any more: the SIEM feeds are written by siem-export, set {} ({}) there", name(),
            old, now, ServiceConfig.keyToEnv(now));
      }
    });
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
