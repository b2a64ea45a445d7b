package dev.whodrove.cli.faults;

import dev.whodrove.runtime.ServiceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One whodrove service in a JVM of its own — {@code whodrove run SERVICE} from the packaged CLI jar, configured only
 * by {@code WHODROVE_*} variables, as a container runs it — so a test can kill it for real: {@link #kill()} is a
 * SIGKILL (no shutdown hook, no flush, no commit), {@link #pause()} / {@link #resume()} are SIGSTOP / SIGCONT.
 */
final class ServiceProcess implements AutoCloseable {
  private final String instance;
  private final Process process;
  private final Path log;
  private final long startedNanos = System.nanoTime();

  private ServiceProcess(String instance, Process process, Path log) {
    this.instance = instance;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code service} as {@code instance}; its output goes to {@code <logDir>/<instance>.log}.
   *
   * @param config dotted keys, passed as their {@code WHODROVE_*} variables
   */
  static ServiceProcess start(String service, String instance, Map<String, String> config, Path logDir)
      throws IOException {
    Files.createDirectories(logDir);
    Path log = logDir.resolve(instance + ".log");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        // small and quick to start: several of these share two cores with the brokers
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
        "-jar", cliJar().toString(), "run", service)
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("WHODROVE_")); // only what this test says
    config.forEach((k, v) -> env.put(ServiceConfig.keyToEnv(k), v));
    return new ServiceProcess(instance, pb.start(), log);
  }

  /** The packaged CLI; failsafe passes its path ({@code mvn package} runs before the integration tests). */
  static Path cliJar() {
    Path jar = Path.of(System.getProperty("whodrove.cli.jar", "target/whodrove-cli.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("the packaged CLI " + jar + " is missing: run mvn package first");
    }
    return jar;
  }

  String instance() {
    return instance;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL, then waits until the process is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(instance + " survived SIGKILL");
    }
  }

  /** SIGSTOP: the JVM freezes mid-whatever, like a long GC pause or a suspended VM. */
  void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT: the frozen JVM carries on where it was. */
  void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /** Whether the output holds any of {@code texts}. */
  boolean logContains(String... texts) {
    return !firstLineWith(texts).isEmpty();
  }

  /**
   * Waits until the output holds any of {@code texts}; false when {@code timeout} passed or the process ended
   * first.
   */
  boolean awaitLog(Duration timeout, String... texts) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (logContains(texts)) {
        return true;
      }
      if (!process.isAlive()) {
        return logContains(texts);
      }
      Thread.sleep(100);
    }
    return false;
  }

  /** The first line of output holding any of {@code texts}, or an empty string. */
  String firstLineWith(String... texts) {
    try {
      for (String line : Files.readAllLines(log)) {
        for (String t : texts) {
          if (line.contains(t)) {
            return line;
          }
        }
      }
    } catch (IOException e) {
      // no output
    }
    return "";
  }

  /** The last {@code n} lines of output, for failure messages. */
  String tail(int n) {
    try {
      List<String> lines = Files.readAllLines(log);
      return instance + " (" + (process.isAlive() ? "running" : "exited " + process.exitValue()) + ", "
          + (System.nanoTime() - startedNanos) / 1_000_000_000 + " s):\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    } catch (IOException e) {
      return instance + ": no output (" + e + ")";
    }
  }

  /** Ends the process at the end of a test (SIGKILL: what it had to do is asserted by then). */
  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
