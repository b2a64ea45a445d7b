package dev.whodrove.cli;

import dev.whodrove.cli.embedded.EmbeddedPipeline;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceFactory;
import dev.whodrove.runtime.Signals;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The embedded runtime against real sources named in a config file. */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = {"Run every configured service in this process against real sources, until Ctrl-C: the "
        + "embedded broker (data kept in --work-dir) or an external cluster (--bootstrap-servers).",
        "A service that is not ready, or does not start, does not stop the others: it is logged with the reason every "
            + "minute while it lasts (and its /readyz says it), and one that did not start is started again every "
            + "minute. A configuration error stops the command.",
        "The config file is a properties file: a service's own keys go to that service as they are "
            + "(decoder.store.file.roots=/var/lib/teleport/log/records, featurizer.recording.wait=10m), a shared key "
            + "prefixed with a service name overrides it for that service (classifier.state.dir=/var/lib/whodrove/c), "
            + "other keys go to every service. A service runs when at least one key names it (the correlator also "
            + "whenever the classifier runs); see README.md for examples."})
public final class UpCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(UpCommand.class);

  @Option(names = "--config", required = true, description = "Properties file.") Path config;
  @Option(names = "--bootstrap-servers", description = "External Kafka cluster instead of the embedded broker.")
  String bootstrapServers;
  @Option(names = "--work-dir", defaultValue = "whodrove-data", description = "Broker data and service state.")
  Path workDir;

  /** Keys every service gets, and each named service's own config (a service absent from the map does not run). */
  record Routing(Map<String, String> common, Map<String, Map<String, String>> perService) {}

  @Override
  public Integer call() throws Exception {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(config)) {
      p.load(r);
    }
    Map<String, String> keys = new HashMap<>();
    p.stringPropertyNames().forEach(k -> keys.put(k, p.getProperty(k).trim()));
    Map<String, String> prefixes = new LinkedHashMap<>();
    for (String name : EmbeddedPipeline.SERVICE_ORDER) {
      ServiceFactory.named(name).ifPresent(f -> prefixes.put(name, f.keyPrefix()));
    }
    Routing routing = route(keys, prefixes, w -> log.warn("{}: {}", config, w));
    Map<String, Map<String, String>> perService = routing.perService();
    if (perService.isEmpty()) {
      throw new IllegalArgumentException(config + " names no service: write keys with a service's own prefix "
          + prefixes.values() + " or a service name " + EmbeddedPipeline.SERVICE_ORDER);
    }
    // the correlator reads what the classifier writes: it runs beside it unless keys name it (or it is not built in)
    if (perService.containsKey("classifier") && ServiceFactory.named("correlator").isPresent()) {
      perService.putIfAbsent("correlator", new HashMap<>());
    }
    Path state = workDir.toAbsolutePath().resolve("state");
    perService.forEach((name, cfg) -> cfg.putIfAbsent("state.dir", state.resolve(name).toString()));
    // a long run: a service that is not ready (or did not start) is reported and retried, the others keep running
    try (EmbeddedPipeline pipeline = EmbeddedPipeline.start(bootstrapServers, workDir.toAbsolutePath(),
        routing.common(), perService, EmbeddedPipeline.Mode.KEEP_RUNNING, EmbeddedPipeline.Watch.DEFAULT)) {
      System.out.printf("running %s on %s; health ports %s. Ctrl-C to stop.%n", perService.keySet(),
          pipeline.bootstrapServers(), pipeline.healthPorts());
      if (!pipeline.notReady().isEmpty()) {
        System.out.printf("not ready yet (logged every minute while it lasts; see each /readyz): %s%n",
            pipeline.notReady());
      }
      CountDownLatch stop = new CountDownLatch(1);
      Signals.onTermination(stop::countDown);
      stop.await();
    }
    return 0;
  }

  /**
   * Routes the keys of an {@code up} config file to services. {@code prefixes} maps each service name to the prefix
   * of its own keys ({@link ServiceFactory#keyPrefix()}).
   *
   * <ul>
   *   <li>{@code <service name>.<shared key>} ({@code classifier.state.dir},
   *       {@code sqlite-sink.kafka.max.poll.records}) goes to that service as the shared key, overriding a common value;
   *   <li>a service's own key ({@code featurizer.recording.wait}, {@code decoder.store.file.roots}) goes to the service
   *       owning its prefix as it is;
   *   <li>{@code <service name>.<own key>} ({@code featurizer.featurizer.recording.wait}), the spelling before own keys
   *       were routed by their prefix, still goes to that service as the own key, with a warning naming the key to
   *       write instead; the own key written directly wins when both are there;
   *   <li>{@code <service name>.<other key>} ({@code recording-decoder.store.file.roots}, a key from before the
   *       service's prefix) goes to that service as the other key, where its rename table moves it to the current
   *       spelling with a warning;
   *   <li>any other key goes to every service.
   * </ul>
   */
  static Routing route(Map<String, String> keys, Map<String, String> prefixes, Consumer<String> warnings) {
    Map<String, String> common = new HashMap<>();
    Map<String, Map<String, String>> perService = new LinkedHashMap<>();
    Map<String, Map<String, String>> deprecated = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(keys).entrySet()) {
      String key = e.getKey();
      String service = prefixes.keySet().stream().filter(s -> key.startsWith(s + ".")).findFirst().orElse(null);
      if (service != null) {
        String rest = key.substring(service.length() + 1);
        String prefix = prefixes.get(service);
        if (ServiceConfig.isSharedKey(rest)) {
          perService.computeIfAbsent(service, s -> new HashMap<>()).put(rest, e.getValue());
        } else if (rest.startsWith(prefix)) {
          warnings.accept("key " + key + " is deprecated, write " + rest + " (" + ServiceConfig.keyToEnv(rest)
              + " in the service's environment); the old spelling is accepted until the next release");
          deprecated.computeIfAbsent(service, s -> new HashMap<>()).put(rest, e.getValue());
        } else if (prefix.equals(service + ".")) {
          perService.computeIfAbsent(service, s -> new HashMap<>()).put(key, e.getValue()); // e.g. featurizer.*
        } else {
          perService.computeIfAbsent(service, s -> new HashMap<>()).put(rest, e.getValue());
        }
        continue;
      }
      String owner = prefixes.entrySet().stream().filter(p -> key.startsWith(p.getValue())).map(Map.Entry::getKey)
          .findFirst().orElse(null);
      if (owner != null) {
        perService.computeIfAbsent(owner, s -> new HashMap<>()).put(key, e.getValue());
      } else {
        common.put(key, e.getValue());
      }
    }
    deprecated.forEach((service, m) -> m.forEach((k, v) ->
        perService.computeIfAbsent(service, s -> new HashMap<>()).putIfAbsent(k, v)));
    return new Routing(common, perService);
  }
}
