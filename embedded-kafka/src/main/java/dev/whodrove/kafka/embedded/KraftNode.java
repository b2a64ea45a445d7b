package dev.whodrove.kafka.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a single broker and a cluster share: one combined KRaft node's config, its storage format, free ports. */
final class KraftNode {
  private static final Logger log = LoggerFactory.getLogger(KraftNode.class);
  static final String CONTROLLER_LISTENER = "CONTROLLER";

  private KraftNode() {}

  /**
   * A combined broker + controller node on loopback; replication settings are the caller's (they differ between one
   * node and a cluster).
   *
   * @param voters {@code controller.quorum.voters}: {@code id@127.0.0.1:port,…}
   */
  static Properties combinedNodeProperties(int nodeId, String voters, Path logDir, int port, int controllerPort) {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(nodeId));
    p.put("controller.quorum.voters", voters);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    p.put("controller.listener.names", CONTROLLER_LISTENER);
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("log.dirs", logDir.toString());
    p.put("offsets.topic.num.partitions", "5");
    p.put("transaction.state.log.num.partitions", "5");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("num.partitions", "1");
    p.put("auto.create.topics.enable", "false");
    // the default dedupe buffer takes 128 MiB of heap; a small test node needs a fraction
    p.put("log.cleaner.dedupe.buffer.size", "2097152");
    p.put("log.segment.bytes", Integer.toString(64 * 1024 * 1024));
    return p;
  }

  /** Name of the SASL client listener {@link #addSaslPlainListener} adds. */
  static final String SASL_LISTENER = "SASL_PLAINTEXT";

  /**
   * Adds a SASL_PLAINTEXT listener on loopback {@code port} whose PLAIN mechanism accepts {@code users} (name →
   * password). Inter-broker and controller traffic stay on their PLAINTEXT listeners.
   */
  static void addSaslPlainListener(Properties p, int port, Map<String, String> users) {
    StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
    users.forEach((user, password) -> {
      if (!user.matches("[A-Za-z0-9._@-]+") || password.contains("\"") || password.contains("\\")) {
        throw new IllegalArgumentException("SASL user names are [A-Za-z0-9._@-]+ and passwords hold no quote or "
            + "backslash (they are written into a JAAS line): " + user);
      }
      jaas.append(" user_").append(user).append("=\"").append(password).append('"');
    });
    jaas.append(';');
    String listener = SASL_LISTENER + "://127.0.0.1:" + port;
    p.put("listeners", p.getProperty("listeners") + "," + listener);
    p.put("advertised.listeners", p.getProperty("advertised.listeners") + "," + listener);
    p.put("listener.security.protocol.map",
        p.getProperty("listener.security.protocol.map") + "," + SASL_LISTENER + ":SASL_PLAINTEXT");
    p.put("sasl.enabled.mechanisms", "PLAIN");
    p.put("listener.name." + SASL_LISTENER.toLowerCase(Locale.ROOT) + ".plain.sasl.jaas.config", jaas.toString());
  }

  /** Formats a node's log dir (what {@code kafka-storage format} does). */
  static void format(Path logDir, int nodeId, String clusterId) throws Exception {
    Formatter formatter = new Formatter()
        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
        .setNodeId(nodeId)
        .setClusterId(clusterId)
        .setControllerListenerName(CONTROLLER_LISTENER)
        .setMetadataLogDirectory(logDir.toString())
        .setDirectories(List.of(logDir.toString()))
        .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
        .setReleaseVersion(MetadataVersion.latestProduction());
    formatter.run();
  }

  /**
   * {@code n} distinct loopback ports that were free a moment ago. They are taken below the kernel's ephemeral range
   * where there is room: an outgoing connection of any process on the machine may take an ephemeral port as its
   * local port, also one a stopped broker is about to bind again. Every probe socket stays open until all are
   * chosen, so no port is handed out twice.
   */
  static int[] freePorts(int n) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      int[] ports = new int[n];
      int ephemeralLow = ephemeralRangeStart();
      for (int i = 0; i < n; i++) {
        ServerSocket s = ephemeralLow - PORTS_FROM > 1000 ? bindBelow(ephemeralLow) : null;
        if (s == null) {
          s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        }
        held.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }

  private static final int PORTS_FROM = 10_000;

  private static ServerSocket bindBelow(int limit) {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(PORTS_FROM, limit);
      try {
        return new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
      } catch (IOException taken) {
        // in use: try another
      }
    }
    return null;
  }

  /** The first port of Linux's ephemeral range; the usual default where it cannot be read. */
  private static int ephemeralRangeStart() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32768;
    }
  }

  /** Whether a start failed because a port was taken (then another set of ports may well work). */
  static boolean portTaken(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      if (t instanceof java.net.BindException || m.contains("Address already in use")
          || m.contains("two listeners on the same port")) {
        return true;
      }
    }
    return false;
  }

  static void deleteRecursively(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.warn("could not delete {}: {}", dir, e.toString());
    }
  }
}
