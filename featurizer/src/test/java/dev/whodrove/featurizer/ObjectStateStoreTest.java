package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.internals.ProcessorStateManager;
import org.apache.kafka.streams.state.internals.CachedStateStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.junit.jupiter.api.Test;

/**
 * The object store's contract with Streams: every changed state reaches the changelog by the commit that follows it,
 * including states written out early because more keys were touched than the store holds, and a state read back after
 * eviction is the one written.
 */
class ObjectStateStoreTest {
  private static final String STORE = "counts";

  /** A mutable per-key counter: the kind of live object the featurizer keeps. */
  static final class Counter {
    long n;
  }

  static final ObjectStateStore.Codec<Counter> CODEC = new ObjectStateStore.Codec<>() {
    @Override
    public byte[] encode(Counter c) {
      return ByteBuffer.allocate(8).putLong(c.n).array();
    }

    @Override
    public Counter decode(String key, byte[] bytes) {
      Counter c = new Counter();
      c.n = ByteBuffer.wrap(bytes).getLong();
      return c;
    }
  };

  /** Each input value is a comma-separated list of keys; each key's counter goes up by one. */
  static final class CountingProcessor implements Processor<String, String, Void, Void> {
    private ObjectStateStore<Counter> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, String> record) {
      for (String key : record.value().split(",")) {
        Counter c = store.get(key);
        if (c == null) {
          c = new Counter();
        }
        c.n++;
        store.put(key, c);
      }
    }
  }

  private static TopologyTestDriver driver(int capacity) throws Exception {
    return driver(capacity, StreamsConfig.AT_LEAST_ONCE);
  }

  private static TopologyTestDriver driver(int capacity, String processingGuarantee) throws Exception {
    Topology t = new Topology();
    t.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "keys");
    t.addProcessor("count", CountingProcessor::new, "in");
    t.addStateStore(ObjectStateStore.builder(STORE, CODEC, capacity), "count");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "objstore");
    props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("objstore").toString());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
    return new TopologyTestDriver(t, props);
  }

  @Test
  void manyChangesBetweenCommitsAreEncodedOnce() throws Exception {
    try (TopologyTestDriver driver = driver(16)) {
      driver.createInputTopic("keys", Serdes.String().serializer(), Serdes.String().serializer())
          .pipeInput("x", "k,k,k,k,k,k"); // one record, one commit, six changes of k
      var changelog = driver.createOutputTopic("objstore-counts-changelog", Serdes.String().deserializer(),
          Serdes.ByteArray().deserializer()).readKeyValuesToList();
      assertThat(changelog).hasSize(1);
      assertThat(ByteBuffer.wrap(changelog.get(0).value).getLong()).isEqualTo(6);
      assertThat(((ObjectStateStore<?>) driver.getStateStore(STORE)).encodes()).isEqualTo(1);
    }
  }

  @Test
  void everyChangeReachesTheChangelogAtCommitEvenBeyondCapacity() throws Exception {
    try (TopologyTestDriver driver = driver(2)) {
      TestInputTopic<String, String> in = driver.createInputTopic("keys", Serdes.String().serializer(),
          Serdes.String().serializer());
      in.pipeInput("x", "a,b,c,d,a"); // five updates of four keys with room for two: two keys are written early
      in.pipeInput("x", "a,e");
      in.pipeInput("x", "b,b,b");

      Map<String, Long> changelog = new TreeMap<>();
      for (KeyValue<String, byte[]> kv : driver.createOutputTopic("objstore-counts-changelog",
          Serdes.String().deserializer(), Serdes.ByteArray().deserializer()).readKeyValuesToList()) {
        changelog.put(kv.key, ByteBuffer.wrap(kv.value).getLong());
      }
      assertThat(changelog).containsExactlyEntriesOf(new TreeMap<>(Map.of("a", 3L, "b", 4L, "c", 1L, "d", 1L,
          "e", 1L)));
      ObjectStateStore<Counter> store = (ObjectStateStore<Counter>) driver.getStateStore(STORE);
      assertThat(store.get("c").n).isEqualTo(1); // evicted, read back from its bytes
      assertThat(store.keysWhere(c -> c.n > 2, bytes -> ByteBuffer.wrap(bytes).getLong() > 2))
          .containsExactlyInAnyOrder("a", "b");
    }
  }

  /**
   * Upgrade guard, part one: the store hooks into Streams through the internal {@code WrappedStateStore}. Every
   * method it overrides must still be declared there, overridable, and {@code flushCache} must still come from
   * {@code CachedStateStore}, the interface the state manager flushes before a commit. A Kafka upgrade that moves
   * them fails here rather than silently leaving states out of the changelog.
   */
  @Test
  void upgradeGuardWrappedStateStoreStillDeclaresTheHooksTheStoreOverrides() throws Exception {
    List<String> overridden = new ArrayList<>();
    for (Method m : ObjectStateStore.class.getDeclaredMethods()) {
      if (!Modifier.isPublic(m.getModifiers()) || Modifier.isStatic(m.getModifiers()) || m.isSynthetic()
          || m.isBridge()) {
        continue;
      }
      Method hook = WrappedStateStore.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
      assertThat(Modifier.isFinal(hook.getModifiers())).as("%s is final in WrappedStateStore", m).isFalse();
      assertThat(hook.getReturnType()).as("%s", m).isEqualTo(m.getReturnType());
      overridden.add(m.getName());
    }
    assertThat(overridden).containsExactlyInAnyOrder("flushCache", "clearCache", "init", "close");
    assertThat(CachedStateStore.class).isAssignableFrom(WrappedStateStore.class);
    assertThat(CachedStateStore.class.getDeclaredMethod("flushCache")).isNotNull();
    // the pre-commit flush of the task's stores (StreamTask.prepareCommit calls it)
    assertThat(ProcessorStateManager.class.getDeclaredMethod("flushCache")).isNotNull();
  }

  /**
   * Upgrade guard, part two: under exactly-once the encoded states must be sent inside the transaction that commits
   * the input offsets. The test driver's producer only shows what a committed transaction holds, so a state written
   * after the commit (if Streams stopped calling {@code flushCache} before it) would be missing here.
   */
  @Test
  void upgradeGuardDirtyStatesReachTheChangelogInTheCommittingTransaction() throws Exception {
    try (TopologyTestDriver driver = driver(16, StreamsConfig.EXACTLY_ONCE_V2)) {
      TestInputTopic<String, String> in = driver.createInputTopic("keys", Serdes.String().serializer(),
          Serdes.String().serializer());
      var changelog = driver.createOutputTopic("objstore-counts-changelog", Serdes.String().deserializer(),
          Serdes.ByteArray().deserializer());
      in.pipeInput("x", "k,k,j"); // processed and committed: the states must be in that transaction
      assertThat(changelog.readKeyValuesToList()).extracting(kv -> kv.key + "=" + ByteBuffer.wrap(kv.value).getLong())
          .containsExactlyInAnyOrder("k=2", "j=1");
      in.pipeInput("x", "k");
      assertThat(changelog.readKeyValuesToList()).extracting(kv -> kv.key + "=" + ByteBuffer.wrap(kv.value).getLong())
          .containsExactly("k=3");
      assertThat(((ObjectStateStore<?>) driver.getStateStore(STORE)).encodes()).isEqualTo(3);
    }
  }
}
