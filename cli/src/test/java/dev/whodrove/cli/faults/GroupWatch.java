package dev.whodrove.cli.faults;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;

/**
 * Who in a consumer group owns which partitions of a topic, as the group coordinator says; members are told apart
 * by client id (each test instance runs with {@code kafka.client.id} = its name, which Kafka Streams also uses as
 * the prefix of its consumers' ids).
 */
final class GroupWatch implements AutoCloseable {
  private final Admin admin;

  GroupWatch(String bootstrap) {
    this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000));
  }

  /** Partitions of {@code topic} by owning member's client id; empty while the group rebalances or is unknown. */
  Map<String, Set<Integer>> owners(String group, String topic) {
    Map<String, Set<Integer>> owners = new TreeMap<>();
    try {
      ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all()
          .get(15, TimeUnit.SECONDS).get(group);
      if (d.groupState() != GroupState.STABLE) {
        return owners;
      }
      for (MemberDescription m : d.members()) {
        Set<Integer> parts = new TreeSet<>();
        for (TopicPartition tp : m.assignment().topicPartitions()) {
          if (tp.topic().equals(topic)) {
            parts.add(tp.partition());
          }
        }
        owners.merge(m.clientId(), parts, (a, b) -> {
          a.addAll(b);
          return a;
        });
      }
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      // not there yet, or the coordinator is moving: nobody owns anything right now
    }
    return owners;
  }

  /** The instances (client-id prefixes) among {@code instances} that own at least one partition. */
  static Set<String> owning(Map<String, Set<Integer>> owners, List<String> instances) {
    Set<String> out = new TreeSet<>();
    owners.forEach((client, parts) -> instances.stream().filter(client::startsWith).findFirst()
        .filter(i -> !parts.isEmpty()).ifPresent(out::add));
    return out;
  }

  /**
   * Waits until the group is stable, all {@code partitions} partitions of {@code topic} are owned, and every owner is
   * one of {@code instances}, each of them owning some.
   *
   * @return how long it took since {@code sinceNanos} ({@link System#nanoTime()})
   */
  Duration awaitOwners(String group, String topic, int partitions, List<String> instances, long sinceNanos,
      Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, Set<Integer>> last = Map.of();
    while (System.nanoTime() < deadline) {
      last = owners(group, topic);
      int owned = last.values().stream().mapToInt(Set::size).sum();
      boolean onlyThem = last.entrySet().stream().filter(e -> !e.getValue().isEmpty())
          .allMatch(e -> instances.stream().anyMatch(e.getKey()::startsWith));
      if (owned == partitions && onlyThem && owning(last, instances).size() == instances.size()) {
        return Duration.ofNanos(System.nanoTime() - sinceNanos);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("group " + group + " did not settle on " + instances + " owning the " + partitions
        + " partitions of " + topic + " within " + timeout.toSeconds() + " s; last seen: " + last);
  }

  Admin admin() {
    return admin;
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }
}
