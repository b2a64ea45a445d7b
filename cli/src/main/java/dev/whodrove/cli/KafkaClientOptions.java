package dev.whodrove.cli;

import dev.whodrove.runtime.ServiceConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * How every command that talks to a Kafka cluster connects: with the configuration the services read (README,
 * Configuration), from {@code --config FILE} (else {@code WHODROVE_CONFIG_FILE}), then {@code WHODROVE_*} variables,
 * then {@code --bootstrap-servers}. A secured cluster's client settings ({@code kafka.security.protocol},
 * {@code kafka.sasl.*}, {@code kafka.ssl.*}, secrets as {@code <key>.file}) and the schema registry therefore work for
 * the CLI exactly as for a service; the same file also carries {@code label.operator}.
 */
public final class KafkaClientOptions {
  /** Where a command connects when nothing says otherwise: the embedded broker's port. */
  static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
      description = "Kafka cluster (host:port,…). Default: kafka.bootstrap.servers of the configuration "
          + "(WHODROVE_KAFKA_BOOTSTRAP_SERVERS), else " + DEFAULT_BOOTSTRAP + ".")
  String bootstrapServers;

  @Option(names = "--config", paramLabel = "FILE",
      description = "Properties file with the services' keys: kafka.* client settings (security protocol, SASL, TLS), "
          + "schema.registry.*, label.operator. Default: WHODROVE_CONFIG_FILE.")
  Path configFile;

  /** The configuration from the process environment, the file and the options. */
  ServiceConfig config() {
    return config(System.getenv());
  }

  /** {@link #config()} with an explicit environment (tests). */
  ServiceConfig config(Map<String, String> env) {
    Map<String, String> overrides = new HashMap<>();
    if (configFile != null) {
      overrides.put(ServiceConfig.CONFIG_FILE, configFile.toString());
    }
    if (bootstrapServers != null) {
      overrides.put(ServiceConfig.BOOTSTRAP_SERVERS, bootstrapServers);
    }
    ServiceConfig cfg = ServiceConfig.load(env, overrides);
    return cfg.has(ServiceConfig.BOOTSTRAP_SERVERS) ? cfg
        : cfg.with(Map.of(ServiceConfig.BOOTSTRAP_SERVERS, DEFAULT_BOOTSTRAP));
  }

  /**
   * What to check when a command could not talk to the cluster: the address, and the security settings it used.
   * A client whose protocol does not match the listener (PLAINTEXT against a SASL or TLS port) sees only
   * disconnects until its timeout, so the likely cause is named here rather than left to a timeout message.
   */
  static String checkHint(ServiceConfig cfg) {
    String protocol = cfg.get("kafka.security.protocol", "PLAINTEXT").trim().toUpperCase(Locale.ROOT);
    String sasl = protocol.startsWith("SASL_")
        ? ", kafka.sasl.mechanism=" + cfg.get("kafka.sasl.mechanism", "GSSAPI")
            + (cfg.has("kafka.sasl.jaas.config") ? ", kafka.sasl.jaas.config set" : ", no kafka.sasl.jaas.config")
        : "";
    return "is the cluster reachable at " + cfg.get(ServiceConfig.BOOTSTRAP_SERVERS, DEFAULT_BOOTSTRAP)
        + ", and does its listener expect kafka.security.protocol=" + protocol + sasl + "? A secured cluster "
        + "needs its client settings in --config FILE or WHODROVE_KAFKA_* (README, Configuration)";
  }
}
