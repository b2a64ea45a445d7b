package dev.whodrove.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The long-running threads of one service and those of them that died. A thread that ends by throwing, or a loop
 * that {@linkplain #died reports} it is giving up, takes readiness down at once and liveness after
 * {@value #LIVENESS_GRACE}: a service whose worker is gone must not look alive forever, so an orchestrator restarts
 * the process. Deaths are never forgotten; only a new process clears them.
 */
public final class ServiceThreads {
  private static final Logger log = LoggerFactory.getLogger(ServiceThreads.class);
  /** How long after a thread died {@code /healthz} still answers 200 (time to read {@code /readyz}, logs). */
  public static final String LIVENESS_GRACE = "liveness.grace";
  public static final Duration DEFAULT_LIVENESS_GRACE = Duration.ofSeconds(60);

  private record Death(String thread, String reason, long atNanos) {}

  private final String service;
  private final Duration grace;
  private final Map<String, Death> deaths = new ConcurrentHashMap<>();

  public ServiceThreads(String service, Duration grace) {
    this.service = service;
    this.grace = grace;
  }

  /** For code run outside a service (tools, tests): deaths are recorded but nobody asks. */
  public static ServiceThreads unwatched() {
    return new ServiceThreads("unwatched", DEFAULT_LIVENESS_GRACE);
  }

  /** A thread (not started) running {@code body}; anything {@code body} throws counts as the thread's death. */
  public Thread newThread(String name, boolean daemon, Runnable body) {
    Thread t = new Thread(() -> {
      try {
        body.run();
      } catch (Throwable e) { // an Error too: the thread is gone either way, and must not go unnoticed
        died(name, e);
      }
    }, name);
    t.setDaemon(daemon);
    return t;
  }

  /** Records that {@code thread} ended for good because of {@code error}. */
  public void died(String thread, Throwable error) {
    log.error("{}: thread {} died", service, thread, error);
    record(thread, error.getClass().getSimpleName() + ": " + Errors.oneLine(error));
  }

  /** Records that {@code thread}, which should be running, stopped for good: {@code reason}. */
  public void died(String thread, String reason) {
    log.error("{}: thread {} stopped: {}", service, thread, reason);
    record(thread, reason);
  }

  private void record(String thread, String reason) {
    deaths.putIfAbsent(thread, new Death(thread, reason, System.nanoTime()));
  }

  /** How many threads died. */
  public int deadCount() {
    return deaths.size();
  }

  /** Not ready, naming every dead thread, when one died; otherwise what {@code service} says. */
  public Readiness readiness(Supplier<Readiness> service) {
    List<Death> dead = sorted();
    if (dead.isEmpty()) {
      return service.get();
    }
    List<String> parts = new ArrayList<>();
    long now = System.nanoTime();
    for (Death d : dead) {
      parts.add("thread " + d.thread + " died " + ago(d, now) + " ago: " + d.reason);
    }
    return Readiness.notReady(String.join("; ", parts));
  }

  /** Alive unless a thread died more than the grace period ago; the detail says what is coming. */
  public Readiness liveness() {
    List<Death> dead = sorted();
    if (dead.isEmpty()) {
      return Readiness.ready("ok");
    }
    Death first = dead.get(0);
    long now = System.nanoTime();
    Duration since = Duration.ofNanos(now - first.atNanos);
    String what = "thread " + first.thread + " died " + ago(first, now) + " ago: " + first.reason;
    if (since.compareTo(grace) >= 0) {
      return Readiness.notReady(what + " (" + LIVENESS_GRACE + " " + Durations.text(grace) + ")");
    }
    return Readiness.ready("ok, but " + what + "; not alive in " + Durations.text(grace.minus(since)));
  }

  private List<Death> sorted() {
    List<Death> dead = new ArrayList<>(deaths.values());
    dead.sort(Comparator.comparingLong(Death::atNanos));
    return dead;
  }

  private static String ago(Death d, long now) {
    return Durations.text(Duration.ofNanos(now - d.atNanos));
  }
}
