package dev.whodrove.cli;

import dev.whodrove.cli.embedded.EmbeddedPipeline;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which services {@code up} runs. The whole pipeline runs unless told otherwise: the decoder, featurizer, classifier
 * and sink always; the correlator beside the classifier (it reads what the classifier writes), or when a key names
 * it; an ingest service when its configuration names a source to read (a key with its prefix, {@code teleport.} or
 * {@code gcp.}: without one it has nothing to do and would refuse to start); the LLM scorer when {@code llm.model} is
 * set (phase 2 is opt-in everywhere); siem-export when a key names it (its feeds are for a SIEM that reads them, and
 * its query endpoint opens a port of its own). {@code --only} runs just the services it names,
 * {@code --without} leaves some out. What the selection leaves out is said, and so is a selection that cannot turn
 * input into verdicts in {@code sessions.sqlite}.
 *
 * @param run the services to start, in {@link EmbeddedPipeline#SERVICE_ORDER}
 * @param skipped services that do not run, with why
 * @param warnings what the selection cannot do (no input, no verdicts, no database)
 */
record PipelineSelection(Set<String> run, Map<String, String> skipped, List<String> warnings) {
  static final String LLM_MODEL = "llm.model";
  /** Ingest services and the key prefix of their sources. */
  private static final Map<String, String> INGEST = Map.of("ingest-teleport", "teleport.", "ingest-gcp", "gcp.");
  private static final String CLASSIFIER = "classifier";
  private static final String CORRELATOR = "correlator";

  /**
   * @param routing the config file's keys, routed to services ({@link UpCommand#route})
   * @param only services named by {@code --only} (empty: no restriction)
   * @param without services named by {@code --without}
   */
  static PipelineSelection choose(UpCommand.Routing routing, Set<String> only, Set<String> without) {
    List<String> known = EmbeddedPipeline.SERVICE_ORDER;
    for (String name : concat(only, without)) {
      if (!known.contains(name)) {
        throw new IllegalArgumentException("unknown service " + name + " (known: " + String.join(", ", known) + ")");
      }
    }
    Set<String> run = new LinkedHashSet<>();
    Map<String, String> skipped = new LinkedHashMap<>();
    for (String name : known) {
      String why = skipReason(name, routing, only, without);
      if (why == null) {
        run.add(name);
      } else {
        skipped.put(name, why);
      }
    }
    return new PipelineSelection(run, skipped, warnings(run, skipped));
  }

  /** Why {@code name} does not run, or null when it does. */
  private static String skipReason(String name, UpCommand.Routing routing, Set<String> only, Set<String> without) {
    Map<String, String> own = routing.perService().getOrDefault(name, Map.of());
    if (without.contains(name)) {
      return "--without";
    } else if (!only.isEmpty() && !only.contains(name)) {
      return "not in --only";
    } else if (only.contains(name)) {
      return null;
    } else if (INGEST.containsKey(name) && own.keySet().stream().noneMatch(k -> k.startsWith(INGEST.get(name)))) {
      return "no " + INGEST.get(name) + "* source configured";
    } else if (name.equals("llm-scorer") && !has(routing, own, LLM_MODEL)) {
      return "phase 2 is off: no " + LLM_MODEL;
    } else if (name.equals(CORRELATOR) && own.isEmpty() && skipReason(CLASSIFIER, routing, only, without) != null) {
      // it reads what the classifier writes: it runs beside the classifier, or alone when a key names it
      return "the classifier does not run and no key names it";
    } else if (name.equals("siem-export") && own.isEmpty()) {
      return "no key names it (siem.*, siem-export.*)";
    }
    return null;
  }

  private static boolean has(UpCommand.Routing routing, Map<String, String> own, String key) {
    String v = own.getOrDefault(key, routing.common().get(key));
    return v != null && !v.isBlank();
  }

  private static List<String> warnings(Set<String> run, Map<String, String> skipped) {
    List<String> w = new ArrayList<>();
    if (!run.contains("ingest-teleport") && !run.contains("ingest-gcp")) {
      w.add("no ingest service runs (" + skipped.get("ingest-teleport") + "; " + skipped.get("ingest-gcp") + "): "
          + "nothing enters the pipeline unless another process writes its input topics");
    }
    if (!run.contains("featurizer")) {
      w.add("featurizer does not run (" + skipped.get("featurizer") + "): no session features, so no verdicts, "
          + "unless it runs elsewhere");
    }
    if (!run.contains("classifier")) {
      w.add("classifier does not run (" + skipped.get("classifier") + "): no verdicts on session.labels, unless it "
          + "runs elsewhere");
    }
    if (run.contains("ingest-teleport") && !run.contains("recording-decoder")) {
      w.add("recording-decoder does not run (" + skipped.get("recording-decoder") + "): Teleport recordings are "
          + "not decoded, so recorded sessions get no cadence verdicts unless it runs elsewhere");
    }
    if (!run.contains("sqlite-sink")) {
      w.add("sqlite-sink does not run (" + skipped.get("sqlite-sink") + "): verdicts are not written to "
          + "sessions.sqlite");
    }
    return w;
  }

  private static Set<String> concat(Set<String> a, Set<String> b) {
    Set<String> all = new LinkedHashSet<>(a);
    all.addAll(b);
    return all;
  }
}
