package dev.whodrove.cli;

import dev.whodrove.runtime.ServiceFactory;
import dev.whodrove.runtime.ServiceMain;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** One service in the foreground, configured from WHODROVE_* variables: what each container runs. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run one service in the foreground until SIGTERM, configured from WHODROVE_* environment "
        + "variables (and WHODROVE_CONFIG_FILE). Services: ingest-teleport, ingest-gcp, recording-decoder, "
        + "featurizer, classifier, llm-scorer, sqlite-sink, siem-export.")
public final class RunCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SERVICE", description = "Service name.")
  String service;

  @Override
  public Integer call() {
    ServiceFactory f = ServiceFactory.named(service).orElseThrow(() -> new IllegalArgumentException(
        "unknown service " + service + " (known: "
            + ServiceFactory.all().stream().map(ServiceFactory::name).collect(Collectors.joining(", ")) + ")"));
    ServiceMain.run(f); // exits the JVM
    return 0;
  }
}
