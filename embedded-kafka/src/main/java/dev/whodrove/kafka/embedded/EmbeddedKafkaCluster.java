package dev.whodrove.kafka.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka cluster of {@code n} real KRaft nodes in this JVM (each broker and controller, one controller quorum), for
 * tests that stop and restart brokers under load. Topics are replicated to every node by default
 * ({@code default.replication.factor} = n, {@code min.insync.replicas} = n − 1), and so are the internal topics
 * (consumer offsets, transaction state), so one node can be down at any time without losing a write that
 * {@code acks=all} acknowledged.
 *
 * <p>A node is stopped with {@link #stop} (a controlled shutdown: its partition leadership moves first, as in a
 * rolling restart) and brought back with {@link #restart} on the same ports and log directory.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);

  private final Path dir;
  private final List<Node> nodes;

  /** One node: its config never changes, so a restart is the same broker. */
  private static final class Node {
    final int id;
    final int port;
    final KafkaConfig config;
    volatile KafkaRaftServer server;

    Node(int id, int port, KafkaConfig config) {
      this.id = id;
      this.port = port;
      this.config = config;
    }
  }

  private EmbeddedKafkaCluster(Path dir, List<Node> nodes) {
    this.dir = dir;
    this.nodes = nodes;
  }

  /**
   * Starts {@code size} nodes (at least 3: a quorum that survives one node down) on free loopback ports; tries other
   * ports when one was taken in the meantime.
   */
  public static EmbeddedKafkaCluster start(int size) {
    if (size < 3) {
      throw new IllegalArgumentException("a cluster that survives a stopped node needs at least 3 nodes, not " + size);
    }
    for (int attempt = 1; ; attempt++) {
      try {
        return tryStart(size);
      } catch (IllegalStateException e) {
        if (attempt == 3 || !KraftNode.portTaken(e)) {
          throw e;
        }
        log.warn("a port of the embedded Kafka cluster was taken ({}); starting again on others", e.getMessage());
      }
    }
  }

  private static EmbeddedKafkaCluster tryStart(int size) {
    long t0 = System.nanoTime();
    Path dir;
    try {
      dir = Files.createTempDirectory("whodrove-kafka-cluster-");
      int[] free = KraftNode.freePorts(2 * size);
      int[] ports = new int[size];
      int[] controllerPorts = new int[size];
      for (int i = 0; i < size; i++) {
        ports[i] = free[2 * i];
        controllerPorts[i] = free[2 * i + 1];
      }
      StringBuilder voters = new StringBuilder();
      for (int i = 0; i < size; i++) {
        voters.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(controllerPorts[i]);
      }
      String clusterId = Uuid.randomUuid().toString();
      List<Node> nodes = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        int id = i + 1;
        Path logDir = dir.resolve("node-" + id);
        Properties p = KraftNode.combinedNodeProperties(id, voters.toString(), logDir, ports[i], controllerPorts[i]);
        replicatedDefaults(p, size);
        KraftNode.format(logDir, id, clusterId);
        nodes.add(new Node(id, ports[i], new KafkaConfig(p, false)));
      }
      EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(dir, nodes);
      try {
        cluster.startAll();
      } catch (Exception e) {
        cluster.close(); // the nodes that did start
        throw e;
      }
      log.info("embedded Kafka cluster of {} nodes ready on {} in {} ms", size, cluster.bootstrapServers(),
          (System.nanoTime() - t0) / 1_000_000);
      return cluster;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare embedded Kafka cluster dirs", e);
    } catch (Exception e) {
      throw new IllegalStateException("embedded Kafka cluster failed to start: " + e.getMessage(), e);
    }
  }

  /** Replication as a production cluster of this size would have it. */
  private static void replicatedDefaults(Properties p, int size) {
    String rf = Integer.toString(size);
    String minIsr = Integer.toString(size - 1);
    p.put("default.replication.factor", rf);
    p.put("min.insync.replicas", minIsr);
    p.put("offsets.topic.replication.factor", rf);
    p.put("transaction.state.log.replication.factor", rf);
    p.put("transaction.state.log.min.isr", minIsr);
    p.put("share.coordinator.state.topic.replication.factor", rf);
    p.put("share.coordinator.state.topic.min.isr", minIsr);
    p.put("unclean.leader.election.enable", "false");
    // look for timed-out transactions every second instead of every 10 s, so a zombie's is aborted promptly
    p.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
    // brokers heartbeat the controller every 2 s by default, and a controlled shutdown or a restart waits for the
    // next beats: a test restarting brokers wants them sooner
    p.put("broker.heartbeat.interval.ms", "500");
    // three brokers share the machine with the services under test: fewer threads each
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "4");
    p.put("background.threads", "4");
  }

  /** Starts every node at once: a node's start-up waits for a controller quorum, which needs a majority running. */
  private void startAll() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(nodes.size(), r -> {
      Thread t = new Thread(r, "kafka-cluster-start");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> started = new ArrayList<>();
      for (Node n : nodes) {
        started.add(pool.submit(() -> {
          startNode(n);
          return null;
        }));
      }
      for (Future<?> f : started) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void startNode(Node n) {
    KafkaRaftServer server = new KafkaRaftServer(n.config, Time.SYSTEM);
    n.server = server;
    try {
      server.startup();
    } catch (RuntimeException e) {
      server.shutdown(); // a failed start-up leaves threads behind
      n.server = null;
      throw e;
    }
  }

  /** {@code host:port,…} of every node, running or not (clients skip the ones that are down). */
  public String bootstrapServers() {
    return nodes.stream().map(n -> "127.0.0.1:" + n.port).collect(Collectors.joining(","));
  }

  public int size() {
    return nodes.size();
  }

  /** Node ids, 1 to {@link #size()}. */
  public List<Integer> nodeIds() {
    return nodes.stream().map(n -> n.id).toList();
  }

  public boolean isRunning(int nodeId) {
    return node(nodeId).server != null;
  }

  /** Stops one node (controlled shutdown); returns once it is down. */
  public void stop(int nodeId) {
    Node n = node(nodeId);
    KafkaRaftServer server = n.server;
    if (server == null) {
      throw new IllegalStateException("node " + nodeId + " is not running");
    }
    long t0 = System.nanoTime();
    server.shutdown();
    server.awaitShutdown();
    n.server = null;
    log.info("Kafka node {} stopped in {} ms", nodeId, (System.nanoTime() - t0) / 1_000_000);
  }

  /** Starts a stopped node again with its ports and data; returns once it serves (the others must form a quorum). */
  public void restart(int nodeId) {
    Node n = node(nodeId);
    if (n.server != null) {
      throw new IllegalStateException("node " + nodeId + " is running");
    }
    long t0 = System.nanoTime();
    startNode(n);
    log.info("Kafka node {} restarted in {} ms", nodeId, (System.nanoTime() - t0) / 1_000_000);
  }

  /** The node that is the active controller (leader of the metadata quorum). */
  public int activeController() {
    try (Admin admin = admin()) {
      return admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
    } catch (Exception e) {
      throw new IllegalStateException("cannot find the active controller: " + e.getMessage(), e);
    }
  }

  /** Leader node of each partition of {@code topic}, by partition. */
  public Map<Integer, Integer> leaders(String topic) {
    try (Admin admin = admin()) {
      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
      return d.partitions().stream().filter(p -> p.leader() != null)
          .collect(Collectors.toMap(TopicPartitionInfo::partition, p -> p.leader().id()));
    } catch (Exception e) {
      throw new IllegalStateException("cannot describe " + topic + ": " + e.getMessage(), e);
    }
  }

  /**
   * Waits until every partition of every topic (internal ones included) has all its replicas in sync again, as
   * after a restarted node caught up; false if {@code timeout} passed first.
   */
  public boolean awaitFullIsr(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = admin()) {
      while (true) {
        try {
          Collection<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
              .get(10, TimeUnit.SECONDS);
          boolean full = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS).values().stream()
              .flatMap(t -> t.partitions().stream())
              .allMatch(p -> p.isr().size() == p.replicas().size());
          if (full) {
            return true;
          }
        } catch (ExecutionException | TimeoutException e) {
          log.debug("describing topics: {}", e.toString()); // a node still starting: look again
        }
        if (System.nanoTime() > deadline) {
          return false;
        }
        Thread.sleep(200);
      }
    }
  }

  private Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
  }

  private Node node(int nodeId) {
    if (nodeId < 1 || nodeId > nodes.size()) {
      throw new IllegalArgumentException("no node " + nodeId + " (nodes 1.." + nodes.size() + ")");
    }
    return nodes.get(nodeId - 1);
  }

  /**
   * Stops every running node and deletes the data. All at once: a node stopped last, alone, would wait in vain for a
   * controller quorum to approve its controlled shutdown.
   */
  @Override
  public void close() {
    List<Thread> stopping = new ArrayList<>();
    for (Node n : nodes) {
      KafkaRaftServer s = n.server;
      if (s == null) {
        continue;
      }
      n.server = null;
      Thread t = new Thread(() -> {
        try {
          s.shutdown();
          s.awaitShutdown();
        } catch (RuntimeException e) {
          log.warn("stopping Kafka node {} failed: {}", n.id, e.toString());
        }
      }, "kafka-cluster-stop-" + n.id);
      t.setDaemon(true);
      t.start();
      stopping.add(t);
    }
    for (Thread t : stopping) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(60));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    KraftNode.deleteRecursively(dir);
  }
}
