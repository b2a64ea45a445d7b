package dev.whodrove.cli;

import dev.whodrove.cli.embedded.EmbeddedPipeline;
import dev.whodrove.runtime.Signals;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The embedded runtime against real sources named in a config file. */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = {"Run every configured service in this process against real sources, until Ctrl-C: the "
        + "embedded broker (data kept in --work-dir) or an external cluster (--bootstrap-servers).",
        "The config file is a properties file: keys prefixed with a service name go to that service "
            + "(recording-decoder.store.file.roots=/var/lib/teleport/log/records), unprefixed keys to every "
            + "service. A service runs when at least one key names it; see README.md for examples."})
public final class UpCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, description = "Properties file.") Path config;
  @Option(names = "--bootstrap-servers", description = "External Kafka cluster instead of the embedded broker.")
  String bootstrapServers;
  @Option(names = "--work-dir", defaultValue = "whodrove-data", description = "Broker data and service state.")
  Path workDir;

  @Override
  public Integer call() throws Exception {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(config)) {
      p.load(r);
    }
    Map<String, String> common = new HashMap<>();
    Map<String, Map<String, String>> perService = new LinkedHashMap<>();
    for (String key : p.stringPropertyNames()) {
      String service = EmbeddedPipeline.SERVICE_ORDER.stream().filter(s -> key.startsWith(s + "."))
          .findFirst().orElse(null);
      if (service == null) {
        common.put(key, p.getProperty(key).trim());
      } else {
        perService.computeIfAbsent(service, s -> new HashMap<>())
            .put(key.substring(service.length() + 1), p.getProperty(key).trim());
      }
    }
    if (perService.isEmpty()) {
      throw new IllegalArgumentException(config + " names no service: prefix keys with one of "
          + EmbeddedPipeline.SERVICE_ORDER);
    }
    Path state = workDir.toAbsolutePath().resolve("state");
    perService.forEach((name, cfg) -> cfg.putIfAbsent("state.dir", state.resolve(name).toString()));
    try (EmbeddedPipeline pipeline = EmbeddedPipeline.start(bootstrapServers, workDir.toAbsolutePath(), common,
        perService)) {
      System.out.printf("running %s on %s; health ports %s. Ctrl-C to stop.%n", perService.keySet(),
          pipeline.bootstrapServers(), pipeline.healthPorts());
      CountDownLatch stop = new CountDownLatch(1);
      Signals.onTermination(stop::countDown);
      stop.await();
    }
    return 0;
  }
}
