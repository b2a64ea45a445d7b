package dev.whodrove.runtime;

import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * {@link InputLag} from the main consumers' {@code records-lag} metric: per assigned partition, the records between
 * the consumer's position and the end of the partition (the last stable offset under exactly-once) as of the latest
 * fetch that returned it. The metric exists only once the partition has been fetched since its assignment.
 */
final class ConsumerRecordsLag implements InputLag {
  private volatile KafkaStreams streams;

  /** The instance whose consumers to read; created after this (the instance's config carries this). */
  void bind(KafkaStreams streams) {
    this.streams = streams;
  }

  @Override
  public OptionalLong of(String topic, int partition) {
    KafkaStreams s = streams;
    if (s == null) {
      return OptionalLong.empty();
    }
    String tagged = topic.replace('.', '_'); // the client's metric tags spell topic dots as underscores
    String p = Integer.toString(partition);
    long lag = -1;
    for (Map.Entry<MetricName, ? extends Metric> e : s.metrics().entrySet()) {
      MetricName n = e.getKey();
      if (!n.name().equals("records-lag") || !n.group().equals("consumer-fetch-manager-metrics")
          || !p.equals(n.tags().get("partition"))) {
        continue;
      }
      String t = n.tags().get("topic");
      if ((topic.equals(t) || tagged.equals(t)) && e.getValue().metricValue() instanceof Number v
          && !Double.isNaN(v.doubleValue())) {
        // a consumer that lost the partition may still hold its last value: the larger one is the safe answer
        lag = Math.max(lag, v.longValue());
      }
    }
    return lag < 0 ? OptionalLong.empty() : OptionalLong.of(lag);
  }
}
