package dev.whodrove.decoder;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The recording-decoder's settings, read once from {@link ServiceConfig}. Every key is documented in the module's
 * README (the one place they are listed).
 */
public record DecoderConfig(
    String groupId,
    String transactionalId,
    int maxPollRecords,
    Duration transactionTimeout,
    Duration commitAfter,
    RecordingDecoder.Settings decode,
    List<Path> fileRoots,
    List<S3RecordingStore.Allowed> s3Allowed,
    S3RecordingStore.Settings s3,
    Duration retryInitial,
    Duration retryMax) {

  public static DecoderConfig from(ServiceConfig cfg) {
    PrintPayload payload;
    try {
      payload = PrintPayload.parse(cfg.get("print.payload", "derived"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("invalid config print.payload=" + cfg.get("print.payload", "") + " ("
          + ServiceConfig.keyToEnv("print.payload") + "): expected derived or raw");
    }
    DecodeLimits limits = new DecodeLimits(
        cfg.getLong("decode.max.decompressed.bytes", DecodeLimits.DEFAULT_MAX_DECOMPRESSED_BYTES),
        cfg.getInt("decode.max.parts", DecodeLimits.DEFAULT_MAX_PARTS), -1);
    String endpoint = cfg.get("store.s3.endpoint", "");
    URI endpointUri = null;
    if (!endpoint.isBlank()) {
      try {
        endpointUri = new URI(endpoint.trim());
      } catch (URISyntaxException e) {
        throw new ConfigException("invalid config store.s3.endpoint=" + endpoint + " ("
            + ServiceConfig.keyToEnv("store.s3.endpoint") + "): expected a URL");
      }
    }
    return new DecoderConfig(
        cfg.get("kafka.group.id", "recording-decoder"),
        cfg.get("kafka.transactional.id", "recording-decoder-" + hostname()),
        cfg.getInt("kafka.max.poll.records", 200),
        cfg.getDuration("transaction.timeout", Duration.ofMinutes(15)),
        cfg.getDuration("transaction.commit.after", Duration.ofMillis(100)),
        new RecordingDecoder.Settings(limits, payload, cfg.getBoolean("complete.include.decode.ms", false)),
        list(cfg.get("store.file.roots", "")).stream().map(Path::of).toList(),
        list(cfg.get("store.s3.allow", "")).stream().map(S3RecordingStore.Allowed::parse).toList(),
        new S3RecordingStore.Settings(
            cfg.get("store.s3.region", "us-east-1"),
            endpointUri,
            cfg.getBoolean("store.s3.path.style", endpointUri != null),
            cfg.get("store.s3.access.key", ""),
            cfg.get("store.s3.secret.key", ""),
            cfg.getInt("store.s3.max.attempts", 5)),
        cfg.getDuration("store.retry.initial", Duration.ofSeconds(1)),
        cfg.getDuration("store.retry.max", Duration.ofMinutes(1)));
  }

  private static List<String> list(String csv) {
    List<String> out = new ArrayList<>();
    Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(out::add);
    return out;
  }

  private static String hostname() {
    String h = System.getenv("HOSTNAME");
    if (h != null && !h.isBlank()) {
      return h;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "local";
    }
  }
}
