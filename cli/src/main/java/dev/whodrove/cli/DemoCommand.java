package dev.whodrove.cli;

import dev.whodrove.cli.embedded.CorrelationReport;
import dev.whodrove.cli.embedded.DemoRun;
import dev.whodrove.cli.embedded.Progress;
import dev.whodrove.sink.SessionSummary;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The embedded end-to-end run. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Simulate Teleport sessions (recordings + audit log) and GCP audit entries, start a real Kafka "
        + "broker and every service in this process, feed the data through the real ingest paths (Teleport file "
        + "backend, JSONL archive), wait until every session has a verdict in the SQLite file, and print a summary.",
        "Phase 2 (the LLM scorer) runs only with --llm-model; otherwise escalations stay on session.escalations."})
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--db", defaultValue = "sessions.sqlite", description = "SQLite file to (re)create. "
      + "Default: ${DEFAULT-VALUE}.")
  Path db;

  @Option(names = "--sessions", defaultValue = "10", description = "Simulated Teleport sessions per profile "
      + "(8 profiles; GCP principals per profile: half of it). Default: ${DEFAULT-VALUE}.")
  int sessions;

  @Option(names = "--seed", defaultValue = "1", description = "Random seed. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--work-dir", defaultValue = "whodrove-demo", description = "Simulated data, broker log and "
      + "service state (recreated). Default: ${DEFAULT-VALUE}.")
  Path workDir;

  @Option(names = "--timeout", defaultValue = "300", description = "Give up after this many seconds.")
  int timeoutSeconds;

  @Option(names = "--bootstrap-servers", description = "Use this Kafka cluster instead of the embedded broker.")
  String bootstrapServers;

  @Option(names = "--llm-base-url", description = "OpenAI-compatible endpoint for phase 2.")
  String llmBaseUrl;

  @Option(names = "--llm-model", description = "Model name for phase 2; phase 2 is off without it.")
  String llmModel;

  @Override
  public Integer call() throws Exception {
    DemoRun.Options o = new DemoRun.Options(workDir.toAbsolutePath(), db.toAbsolutePath(), sessions, seed,
        Duration.ofSeconds(timeoutSeconds), bootstrapServers, llmBaseUrl, llmModel, 2);
    DemoRun.Outcome out = DemoRun.run(o, Progress.console());
    print(out, o);
    return 0;
  }

  static void print(DemoRun.Outcome out, DemoRun.Options o) {
    List<SessionSummary> s = out.sessions();
    System.out.println();
    System.out.printf("%d sessions have verdicts in %s (pipeline ready in %.1f s, verdicts %.1f s later)%n",
        s.size(), o.db(), out.coldStartMs() / 1000.0, out.processingMs() / 1000.0);
    System.out.println();
    table("sessions by substrate", count(s, SessionSummary::substrate));
    table("operator.type", count(s, x -> x.label("operator.type")));
    table("cadence.label", count(s, x -> x.label("cadence.label")));
    table("routing.cohort", count(s, x -> x.label("routing.cohort")));

    System.out.println("Teleport sessions against the simulation's truth:");
    System.out.printf("  %-12s %4s  %-15s %-15s %s%n", "profile", "n", "operator.type", "model", "cadence.label");
    Map<String, List<DemoRun.Scored>> byProfile = out.teleport().stream()
        .collect(Collectors.groupingBy(DemoRun.Scored::profile, TreeMap::new, Collectors.toList()));
    byProfile.forEach((profile, rows) -> {
      long opOk = rows.stream().filter(r -> r.expectedOperator().equals(r.operator())).count();
      long modelRows = rows.stream().filter(r -> !r.expectedModel().isEmpty()).count();
      long modelOk = rows.stream().filter(r -> !r.expectedModel().isEmpty() && r.expectedModel().equals(r.cadence()))
          .count();
      Map<String, Long> labels = rows.stream().collect(Collectors.groupingBy(
          r -> String.valueOf(r.cadence()), TreeMap::new, Collectors.counting()));
      System.out.printf("  %-12s %4d  %-15s %-15s %s%n", profile, rows.size(), opOk + "/" + rows.size(),
          modelRows == 0 ? "-" : modelOk + "/" + modelRows, labels);
    });
    System.out.println();
    System.out.println("GCP sessions and bursts by simulated profile (operator.type, /operator.reason when unknown):");
    out.gcpByProfile().forEach((k, v) -> System.out.printf("  %-40s %s%n", k, v));
    System.out.println();
    printCorrelations(out.correlations());
    System.out.printf("escalations to phase 2: %d on session.escalations%s%n", out.escalations(),
        o.llmModel() == null ? " (phase 2 off: pass --llm-model [--llm-base-url] to score them)" : "");
    System.out.printf("dead letters: %d%n", out.deadLetters());
    System.out.printf("SIEM feeds (siem-export): %d merged session records on session.labels.json, %d OCSF "
        + "findings on session.findings.ocsf%n", out.siemRecords(), out.siemFindings());
    System.out.printf("%nquery it: ./whodrove label ls --db %s --selector operator.type=agent%n", o.db());
    if (out.correlations().total() > 0) {
      System.out.printf("          ./whodrove label ls --db %s --selector correlation.tier=high%n", o.db());
    }
  }

  /** Correlations found against the cross-substrate scenario's truth. */
  static void printCorrelations(CorrelationReport r) {
    if (r.rows().isEmpty()) {
      return;
    }
    System.out.println("Cross-substrate correlations (correlator) against the simulation's truth:");
    System.out.printf("  %-8s %-44s %6s  %-7s %s%n", "expected", "case", "cases", "paired", "best tier");
    for (CorrelationReport.Row row : r.rows()) {
      String expected = row.expect().equals("none") ? "no pair" : "pair";
      System.out.printf("  %-8s %-44s %6d  %-7s %s%n", expected, row.why(), row.combinations(),
          row.paired() + "/" + row.combinations(), row.bestTiers().isEmpty() ? "-" : row.bestTiers());
    }
    System.out.printf("  correlations in the database: %d, outside the truth: %d%n%n", r.total(), r.unexpected());
  }

  private static Map<String, Long> count(List<SessionSummary> s, Function<SessionSummary, String> f) {
    return s.stream().collect(Collectors.groupingBy(x -> String.valueOf(f.apply(x)), TreeMap::new,
        Collectors.counting()));
  }

  private static void table(String title, Map<String, Long> counts) {
    System.out.println(title + ":");
    counts.forEach((k, v) -> System.out.printf("  %-28s %5d%n", k, v));
    System.out.println();
  }
}
