package dev.whodrove.cli;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.runtime.Signals;
import dev.whodrove.schemas.Topics;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the embedded Kafka broker in the foreground, for local development against real services. */
@Command(name = "broker", mixinStandardHelpOptions = true,
    description = "Run a real Apache Kafka broker (KRaft, single node) in this process on loopback, with every "
        + "whodrove topic created, until Ctrl-C.")
public final class BrokerCommand implements Callable<Integer> {
  @Option(names = "--port", description = "Listener port (default: ${DEFAULT-VALUE}).", defaultValue = "9092")
  int port;

  @Option(names = "--data-dir", description = "Keep the broker's data here across restarts "
      + "(default: a temporary dir deleted on exit).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    EmbeddedKafkaBroker.Options opts = dataDir == null
        ? new EmbeddedKafkaBroker.Options(null, false, port, 0)
        : EmbeddedKafkaBroker.Options.persistent(dataDir, port);
    long t0 = System.nanoTime();
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(opts)) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        Topics.ensureTopics(admin);
      }
      System.err.printf("Kafka broker ready on %s in %d ms (data: %s). Ctrl-C to stop.%n",
          broker.bootstrapServers(), (System.nanoTime() - t0) / 1_000_000, broker.dataDir());
      CountDownLatch stop = new CountDownLatch(1);
      Signals.onTermination(stop::countDown);
      stop.await();
    }
    return 0;
  }
}
