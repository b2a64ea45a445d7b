package dev.whodrove.decoder;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** The decoder's meters: throughput (recordings, bytes, events) and failures by reason. */
final class DecoderMetrics {
  private final MeterRegistry registry;
  private final Counter recordingsOk;
  private final Counter recordingsFailed;
  private final Counter bytes;
  private final Counter events;
  private final Timer decodeTime;

  DecoderMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.recordingsOk = Counter.builder("whodrove.decoder.recordings").tag("outcome", "ok")
        .description("recordings decoded and committed").register(registry);
    this.recordingsFailed = Counter.builder("whodrove.decoder.recordings").tag("outcome", "failed")
        .description("recordings committed with a parse error or refused").register(registry);
    this.bytes = Counter.builder("whodrove.decoder.bytes").baseUnit("bytes")
        .description("recording object bytes read").register(registry);
    this.events = Counter.builder("whodrove.decoder.events")
        .description("events published to teleport.recording.events").register(registry);
    this.decodeTime = Timer.builder("whodrove.decoder.decode.time")
        .description("wall time per recording, fetch and publish included")
        // buckets for the dashboard's quantiles; a recording takes milliseconds to minutes
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(10)).register(registry);
  }

  void committed(boolean ok, long objectBytes, long eventCount, Duration took) {
    (ok ? recordingsOk : recordingsFailed).increment();
    bytes.increment(objectBytes);
    events.increment(eventCount);
    decodeTime.record(took);
  }

  void error(String reason) {
    Counter.builder("whodrove.decoder.errors").tag("reason", reason)
        .description("recordings that failed, by reason").register(registry).increment();
  }
}
