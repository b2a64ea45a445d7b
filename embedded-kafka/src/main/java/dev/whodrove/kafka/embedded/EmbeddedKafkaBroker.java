package dev.whodrove.kafka.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker (KRaft, combined broker + controller, one node) running inside this JVM on loopback.
 *
 * <p>Built on Kafka's own start-up path ({@code Formatter} then {@code KafkaRaftServer}), which is not public API: this
 * class is the only place that touches it.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

  /**
   * Start-up options.
   *
   * @param saslPlainUsers user name → password of a second client listener, SASL_PLAINTEXT with the PLAIN mechanism,
   *     on a port of its own ({@link #saslBootstrapServers()}); empty: no such listener. The PLAINTEXT listener stays
   *     (the broker talks to itself there, and tests set up topics through it): a client is held to SASL by the
   *     port it connects to, which is what a secured cluster's client configuration must get right.
   */
  public record Options(Path dataDir, boolean keepData, int port, int controllerPort,
      Map<String, String> saslPlainUsers) {
    public Options {
      saslPlainUsers = Map.copyOf(saslPlainUsers);
    }

    public Options(Path dataDir, boolean keepData, int port, int controllerPort) {
      this(dataDir, keepData, port, controllerPort, Map.of());
    }

    /** A throw-away broker on free ports. */
    public static Options ephemeral() {
      return new Options(null, false, 0, 0);
    }

    /** A broker whose data survives restarts in {@code dir}. */
    public static Options persistent(Path dir, int port) {
      return new Options(dir, true, port, 0);
    }

    /** These options with a SASL_PLAINTEXT (PLAIN) listener that knows these users (name → password). */
    public Options withSaslPlainUsers(Map<String, String> users) {
      return new Options(dataDir, keepData, port, controllerPort, users);
    }
  }

  private final Path dataDir;
  private final boolean deleteOnClose;
  private final int port;
  private final int saslPort;
  private final KafkaRaftServer server;
  private volatile boolean closed;

  private EmbeddedKafkaBroker(Path dataDir, boolean deleteOnClose, int port, int saslPort, KafkaRaftServer server) {
    this.dataDir = dataDir;
    this.deleteOnClose = deleteOnClose;
    this.port = port;
    this.saslPort = saslPort;
    this.server = server;
  }

  /** Starts a throw-away broker on a free port. */
  public static EmbeddedKafkaBroker start() {
    return start(Options.ephemeral());
  }

  /**
   * Formats the data dir if needed and starts the broker; returns once it accepts connections. On free ports, tries
   * others when one was taken in the meantime.
   */
  public static EmbeddedKafkaBroker start(Options options) {
    for (int attempt = 1; ; attempt++) {
      try {
        return startOnce(options);
      } catch (IllegalStateException e) {
        if (attempt == 3 || options.port() > 0 || !KraftNode.portTaken(e)) {
          throw e;
        }
        log.warn("a port of the embedded Kafka broker was taken ({}); starting again on others", e.getMessage());
      }
    }
  }

  private static EmbeddedKafkaBroker startOnce(Options options) {
    long t0 = System.nanoTime();
    try {
      Path dir = options.dataDir() != null ? options.dataDir() : Files.createTempDirectory("whodrove-kafka-");
      Files.createDirectories(dir);
      int[] free = KraftNode.freePorts(3);
      int port = options.port() > 0 ? options.port() : free[0];
      int controllerPort = options.controllerPort() > 0 ? options.controllerPort() : free[1];
      int saslPort = options.saslPlainUsers().isEmpty() ? -1 : free[2];
      Path logDir = dir.resolve("kraft-combined-logs");
      Properties props = brokerProperties(logDir, port, controllerPort);
      if (saslPort > 0) {
        KraftNode.addSaslPlainListener(props, saslPort, options.saslPlainUsers());
      }
      KafkaConfig config = new KafkaConfig(props, false);
      if (!Files.exists(logDir.resolve("meta.properties"))) {
        KraftNode.format(logDir, 1, Uuid.randomUuid().toString());
      }
      KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
      try {
        server.startup();
      } catch (RuntimeException e) {
        // a failed start-up leaves threads behind that would keep the JVM alive
        server.shutdown();
        throw e;
      }
      log.info("embedded Kafka broker ready on 127.0.0.1:{}{} in {} ms (data {})", port,
          saslPort > 0 ? " (SASL_PLAINTEXT on " + saslPort + ")" : "", (System.nanoTime() - t0) / 1_000_000, dir);
      return new EmbeddedKafkaBroker(dir, !options.keepData(), port, saslPort, server);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare embedded Kafka data dir", e);
    } catch (Exception e) {
      throw new IllegalStateException("embedded Kafka broker failed to start: " + e.getMessage(), e);
    }
  }

  private static Properties brokerProperties(Path logDir, int port, int controllerPort) {
    Properties p = KraftNode.combinedNodeProperties(1, "1@127.0.0.1:" + controllerPort, logDir, port, controllerPort);
    p.put("offsets.topic.replication.factor", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    return p;
  }

  /** {@code host:port} for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /**
   * {@code host:port} of the SASL_PLAINTEXT listener (PLAIN mechanism); a client needs
   * {@code security.protocol=SASL_PLAINTEXT}, {@code sasl.mechanism=PLAIN} and a {@code PlainLoginModule} JAAS line
   * with one of {@link Options#saslPlainUsers()}.
   *
   * @throws IllegalStateException when the broker was started without SASL users
   */
  public String saslBootstrapServers() {
    if (saslPort < 0) {
      throw new IllegalStateException("the embedded broker has no SASL listener: start it with "
          + "Options.withSaslPlainUsers");
    }
    return "127.0.0.1:" + saslPort;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Stops the broker; deletes its data unless it was started persistent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.shutdown();
    server.awaitShutdown();
    if (deleteOnClose) {
      KraftNode.deleteRecursively(dataDir);
    }
  }
}
