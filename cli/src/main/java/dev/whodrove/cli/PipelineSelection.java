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
 * and sink always; an ingest service when its configuration names a source to read (a key with its prefix,
 * {@code teleport.} or {@code gcp.}: without one it has nothing to do and would refuse to start); the LLM scorer when
 * {@code llm.model} is set (phase 2 is opt-in everywhere). {@code --only} runs just the services it names,
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
      Map<String, String> own = routing.perService().getOrDefault(name, Map.of());
      if (without.contains(name)) {
        skipped.put(name, "--without");
      } else if (!only.isEmpty() && !only.contains(name)) {
        skipped.put(name, "not in --only");
      } else if (!only.contains(name) && INGEST.containsKey(name)
          && own.keySet().stream().noneMatch(k -> k.startsWith(INGEST.get(name)))) {
        skipped.put(name, "no " + INGEST.get(name) + "* source configured");
      } else if (!only.contains(name) && name.equals("llm-scorer") && !has(routing, own, LLM_MODEL)) {
        skipped.put(name, "phase 2 is off: no " + LLM_MODEL);
      } else {
        run.add(name);
      }
    }
    return new PipelineSelection(run, skipped, warnings(run, skipped));
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
