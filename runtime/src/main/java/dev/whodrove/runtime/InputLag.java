package dev.whodrove.runtime;

import java.util.Map;
import java.util.OptionalLong;

/**
 * How many records of an input partition a Streams app has not consumed yet, as its consumer last learnt from the
 * broker. {@link StreamsService} hands one to every processor in the app config under {@link #CONFIG}; a processor
 * that closes things after wall-clock silence asks it whether the silence is real or records are still waiting.
 */
public interface InputLag {
  /** App-config key of the host's instance (absent under TopologyTestDriver). */
  String CONFIG = "whodrove.input.lag";

  /** Records not consumed yet, or empty while unknown (no fetch of the partition since it was assigned). */
  OptionalLong of(String topic, int partition);

  /** The host's instance in a processor's app config, or null when there is none. */
  static InputLag from(Map<String, ?> appConfigs) {
    return appConfigs.get(CONFIG) instanceof InputLag lag ? lag : null;
  }
}
