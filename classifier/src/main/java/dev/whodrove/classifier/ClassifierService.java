package dev.whodrove.classifier;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.Readiness;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.runtime.StreamsService;
import dev.whodrove.schemas.JsonTopicSpec;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The classifier service: the topology hosted by {@link StreamsService}, plus creation of its JSON mirror topics. */
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

  @Override
  public List<TopicSpec<?>> ownedTopics() {
    return List.of(Topics.SESSION_LABELS, Topics.SESSION_ESCALATIONS, Topics.deadLetterOf(Topics.SESSION_FEATURES));
  }

  /** The JSON topics this configuration writes. */
  public List<JsonTopicSpec> ownedJsonTopics() {
    List<JsonTopicSpec> topics = new ArrayList<>();
    if (config.jsonMirror()) {
      topics.add(Topics.SESSION_LABELS_JSON);
    }
    if (config.ocsf()) {
      topics.add(Topics.SESSION_FINDINGS_OCSF);
    }
    return topics;
  }

  @Override
  public void start() throws Exception {
    ServiceConfig cfg = ctx.config();
    if (cfg.getBoolean(ServiceHost.TOPICS_CREATE, true) && !ownedJsonTopics().isEmpty()) {
      createJsonTopics(cfg);
    }
    log.info("{}: application id {}, cadence table {}, json mirror {}, ocsf {}", name(), config.applicationId(),
        config.cadence().stage(), config.jsonMirror(), config.ocsf());
    streams.start();
  }

  private void createJsonTopics(ServiceConfig cfg) throws InterruptedException, TimeoutException {
    int partitions = cfg.getInt(ServiceHost.TOPICS_PARTITIONS, 0);
    short rf = (short) cfg.getInt(ServiceHost.TOPICS_REPLICATION_FACTOR, 0);
    try (Admin admin = Admin.create(cfg.kafkaClientProperties())) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = ownedJsonTopics().stream().filter(t -> !existing.contains(t.name()))
          .map(t -> t.newTopic(partitions, rf)).toList();
      for (var e : admin.createTopics(missing).values().entrySet()) {
        try {
          e.getValue().get(30, TimeUnit.SECONDS);
          log.info("{}: created topic {}", name(), e.getKey());
        } catch (ExecutionException ex) {
          if (!(ex.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + e.getKey() + ": " + ex.getCause().getMessage(),
                ex.getCause());
          }
        }
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot list topics: " + e.getCause(), e.getCause());
    }
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
