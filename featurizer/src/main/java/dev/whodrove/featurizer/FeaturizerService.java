package dev.whodrove.featurizer;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.Readiness;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.StreamsService;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import java.time.Duration;
import java.util.List;

/** The featurizer service: the {@link FeaturizerTopology} hosted by a {@link StreamsService}. */
public final class FeaturizerService implements ManagedService {
  public static final String NAME = "featurizer";
  public static final String DEFAULT_APPLICATION_ID = "whodrove-featurizer";

  /** Topics the featurizer writes: its output and the dead-letter companions of its inputs. */
  public static final List<TopicSpec<?>> OWNED_TOPICS = List.of(
      Topics.SESSION_FEATURES,
      Topics.deadLetterOf(Topics.TELEPORT_RECORDING_EVENTS),
      Topics.deadLetterOf(Topics.TELEPORT_AUDIT_EVENTS),
      Topics.deadLetterOf(Topics.GCP_AUDIT_ENTRIES));

  private final StreamsService streams;

  public FeaturizerService(ServiceContext ctx) {
    FeaturizerConfig config = FeaturizerConfig.from(ctx.config());
    String appId = ctx.config().get(StreamsService.APPLICATION_ID, DEFAULT_APPLICATION_ID);
    this.streams = new StreamsService(ctx, FeaturizerTopology.build(config), appId, OWNED_TOPICS);
  }

  @Override
  public String name() {
    return streams.name();
  }

  @Override
  public List<TopicSpec<?>> ownedTopics() {
    return OWNED_TOPICS;
  }

  @Override
  public void start() {
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
