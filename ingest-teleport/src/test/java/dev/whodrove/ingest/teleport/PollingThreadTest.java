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
}
