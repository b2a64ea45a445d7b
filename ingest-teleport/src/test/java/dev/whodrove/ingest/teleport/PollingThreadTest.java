package dev.whodrove.ingest.teleport;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class PollingThreadTest {
  private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(PollingThreadTest.class);

  @Test
  void aFailedPollIsRememberedRetriedAndClearedByTheNextGoodOne() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    CountDownLatch failed = new CountDownLatch(1);
    CountDownLatch recovered = new CountDownLatch(1);
    PollingThread polling = new PollingThread("polling-test", () -> {
      int n = polls.incrementAndGet();
      if (n == 1) {
        throw new IllegalStateException("backend down");
      }
      if (n == 2) {
        failed.countDown();
      }
      if (n == 3) {
        recovered.countDown();
      }
    }, Duration.ofMillis(5), Duration.ofMillis(5), true, LOG, "poll failed: {}");
    assertThat(polling.stopping()).isFalse();
    polling.start();
    assertThat(failed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(recovered.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(polling.lastError()).isEmpty();
    polling.stop(() -> true, Duration.ofSeconds(5), Duration.ZERO);
    assertThat(polling.stopping()).isTrue();
    int after = polls.get();
    Thread.sleep(50);
    assertThat(polls.get()).as("no poll after stop").isEqualTo(after);
  }

  @Test
  void anErrorTheSourceRecordedStaysUnlessPollsClearIt() throws Exception {
    CountDownLatch polled = new CountDownLatch(3);
    PollingThread[] holder = new PollingThread[1];
    holder[0] = new PollingThread("polling-test", () -> {
      holder[0].recordError("batch not acknowledged");
      polled.countDown();
    }, Duration.ofMillis(1), Duration.ofMillis(1), false, LOG, "poll failed: {}");
    holder[0].start();
    assertThat(polled.await(10, TimeUnit.SECONDS)).isTrue();
    holder[0].stop(() -> false, Duration.ofSeconds(5), Duration.ofSeconds(1));
    assertThat(holder[0].lastError()).isEqualTo("batch not acknowledged");
  }

  @Test
  void aBlockedPollIsInterruptedAfterTheGrace() throws Exception {
    CountDownLatch blocked = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    PollingThread polling = new PollingThread("polling-test", () -> {
      blocked.countDown();
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        interrupted.countDown();
        throw e;
      }
    }, Duration.ZERO, Duration.ZERO, false, LOG, "poll failed: {}");
    polling.start();
    assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
    long t0 = System.nanoTime();
    polling.stop(() -> false, Duration.ofMillis(100), Duration.ofSeconds(5));
    assertThat(interrupted.await(0, TimeUnit.SECONDS)).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(polling.lastError()).isEmpty();
  }

  @Test
  void aPollingThreadThatDiesTakesReadinessDownAndThenLiveness() throws Exception {
    dev.whodrove.runtime.ServiceThreads threads = new dev.whodrove.runtime.ServiceThreads("ingest-teleport",
        Duration.ofMillis(200));
    PollingThread polling = new PollingThread("ingest-teleport-sqs", () -> {
      throw new StackOverflowError("simulated");
    }, Duration.ofMillis(5), Duration.ofMillis(5), true, LOG, "poll failed: {}");
    polling.start(threads);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (threads.deadCount() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    dev.whodrove.runtime.Readiness ready = threads.readiness(() -> dev.whodrove.runtime.Readiness.ready("ok"));
    assertThat(ready.ready()).isFalse();
    assertThat(ready.detail()).startsWith("thread ingest-teleport-sqs died ")
        .endsWith("StackOverflowError: simulated");
    assertThat(polling.lastError()).isEqualTo("thread ingest-teleport-sqs died: simulated");
    Thread.sleep(250);
    assertThat(threads.liveness().ready()).isFalse();
    polling.stop(() -> true, Duration.ofSeconds(1), Duration.ZERO);
  }

  @Test
  void anInterruptNobodyAskedForIsADeathToo() throws Exception {
    dev.whodrove.runtime.ServiceThreads threads = new dev.whodrove.runtime.ServiceThreads("ingest-teleport",
        Duration.ofSeconds(60));
    CountDownLatch polled = new CountDownLatch(1);
    PollingThread polling = new PollingThread("ingest-teleport-athena", () -> {
      polled.countDown();
      Thread.sleep(60_000);
    }, Duration.ZERO, Duration.ZERO, true, LOG, "poll failed: {}");
    polling.start(threads);
    assertThat(polled.await(10, TimeUnit.SECONDS)).isTrue();
    Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("ingest-teleport-athena"))
        .forEach(Thread::interrupt);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (threads.deadCount() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(threads.readiness(() -> dev.whodrove.runtime.Readiness.ready("ok")).detail())
        .contains("thread ingest-teleport-athena died", "interrupted while it should still be polling");
    // a stop is no death
    dev.whodrove.runtime.ServiceThreads quiet = new dev.whodrove.runtime.ServiceThreads("x", Duration.ZERO);
    CountDownLatch again = new CountDownLatch(1);
    PollingThread stopped = new PollingThread("stopped", () -> {
      again.countDown();
      Thread.sleep(60_000);
    }, Duration.ZERO, Duration.ZERO, true, LOG, "poll failed: {}");
    stopped.start(quiet);
    assertThat(again.await(10, TimeUnit.SECONDS)).isTrue();
    stopped.stop(() -> true, Duration.ofSeconds(5), Duration.ZERO);
    assertThat(quiet.deadCount()).isZero();
    polling.stop(() -> true, Duration.ofSeconds(1), Duration.ZERO);
  }
}
