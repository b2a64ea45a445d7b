package dev.whodrove.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServiceThreadsTest {
  @Test
  void aThreadEndingByThrowingIsDeadForReadinessAtOnceAndForLivenessAfterTheGrace() throws Exception {
    ServiceThreads threads = new ServiceThreads("test", Duration.ofMillis(300));
    Thread ok = threads.newThread("finishes", true, () -> { });
    ok.start();
    ok.join();
    assertThat(threads.readiness(() -> Readiness.ready("fine"))).isEqualTo(Readiness.ready("fine"));
    assertThat(threads.liveness().ready()).isTrue();

    Thread t = threads.newThread("poller", true, () -> {
      throw new OutOfMemoryError("simulated");
    });
    t.start();
    t.join();
    Readiness ready = threads.readiness(() -> Readiness.ready("fine"));
    assertThat(ready.ready()).isFalse();
    assertThat(ready.detail()).startsWith("thread poller died ").endsWith(" ago: OutOfMemoryError: simulated");
    assertThat(threads.liveness().ready()).isTrue();
    assertThat(threads.liveness().detail()).contains("not alive in");
    Thread.sleep(350);
    Readiness alive = threads.liveness();
    assertThat(alive.ready()).isFalse();
    assertThat(alive.detail()).contains("thread poller died", "(liveness.grace 300ms)");
    assertThat(threads.deadCount()).isEqualTo(1);
  }

  @Test
  void aLoopMayReportItsOwnEnd() {
    ServiceThreads threads = new ServiceThreads("test", Duration.ZERO);
    threads.died("worker", "cannot continue: producer fenced");
    assertThat(threads.readiness(() -> Readiness.ready("fine")).detail())
        .startsWith("thread worker died ").endsWith("cannot continue: producer fenced");
    assertThat(threads.liveness().ready()).isFalse();
  }
}
