package dev.whodrove.runtime;

import dev.whodrove.schemas.TopicDefinition;
import java.time.Duration;
import java.util.List;

/** A long-running service hosted by {@link ServiceHost}. */
public interface ManagedService {
  /** Service name, e.g. {@code recording-decoder}; used in metrics, logs and dead letters. */
  String name();

  /**
   * Topics this service writes and therefore creates if missing (dead-letter companions and JSON topics included);
   * {@link ServiceHost} creates them before {@link #start()}.
   */
  List<? extends TopicDefinition> ownedTopics();

  /** Starts the work (threads of its own); returns promptly. */
  void start() throws Exception;

  /** Current readiness, cheap to call. */
  Readiness readiness();

  /** Stops within {@code timeout}: stop taking input, flush output, commit what is done. */
  void stop(Duration timeout);
}
