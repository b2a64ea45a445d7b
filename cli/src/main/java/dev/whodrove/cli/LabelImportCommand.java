package dev.whodrove.cli;

import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.sink.SessionDatabase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code label import}: who really drove sessions, into sessions.sqlite as {@code truth.*} labels. Truth keys are
 * their own namespace: no automated stage stamps them (the classifier refuses to), and what is imported never
 * touches a verdict key, so evaluation compares two sets of labels that cannot overwrite each other.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = {"Store the truth of sessions (simulate's truth.jsonl, or harvester sidecars with agent.model and "
        + "fixture.* labels) in sessions.sqlite as truth.* labels, stamped set_by=fixture:<name>.",
        "Read by 'profiles eval --db' and 'profiles fit --db'."})
final class LabelImportCommand implements Callable<Integer> {
  static final String FIXTURE_PREFIX = "fixture:";

  @Option(names = "--set-by", required = true, paramLabel = "fixture:NAME",
      description = "Who vouches for this truth, e.g. fixture:terminal-bench.")
  String setBy;

  @Option(names = "--db", defaultValue = "sessions.sqlite", description = "Default: ${DEFAULT-VALUE}.")
  Path db;

  @Parameters(paramLabel = "FILE", arity = "1..*", description = "JSON lines, or one sidecar object per file.")
  List<Path> files;

  @Override
  public Integer call() throws Exception {
    if (!setBy.startsWith(FIXTURE_PREFIX) || !setBy.substring(FIXTURE_PREFIX.length())
        .matches("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")) {
      throw new IllegalArgumentException("--set-by '" + setBy + "' must be fixture:<name> (letters, digits, . _ @ -)");
    }
    long now = System.currentTimeMillis();
    List<SessionVerdict> verdicts = new ArrayList<>();
    int labels = 0;
    for (Path f : files) {
      for (Map.Entry<String, Map<String, String>> e : TruthLabels.read(f).entrySet()) {
        SessionVerdict.Builder v = SessionVerdict.newBuilder().setSessionId(e.getKey()).setStage(setBy)
            .setEmittedAtMs(now);
        for (Map.Entry<String, String> l : e.getValue().entrySet()) {
          v.addLabels(Label.newBuilder().setKey(l.getKey()).setValue(l.getValue()).setSetBy(setBy).setSetAtMs(now));
          labels++;
        }
        verdicts.add(v.build());
      }
    }
    try (SessionDatabase store = SessionDatabase.open(db)) {
      store.apply(verdicts);
    }
    System.out.printf("imported %d truth label(s) of %d session(s) into %s (set_by=%s)%n", labels, verdicts.size(),
        db, setBy);
    return 0;
  }
}
