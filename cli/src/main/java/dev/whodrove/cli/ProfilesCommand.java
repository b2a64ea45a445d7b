package dev.whodrove.cli;

import dev.whodrove.classifier.CadenceProfiles;
import dev.whodrove.classifier.CadenceTable;
import dev.whodrove.classifier.CadenceTableJson;
import dev.whodrove.classifier.ClassifierConfig;
import dev.whodrove.classifier.LabelKeys;
import dev.whodrove.classifier.ProfileEvaluation;
import dev.whodrove.classifier.ProfileFitter;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.sink.LabelSelector;
import dev.whodrove.sink.SessionDatabase;
import dev.whodrove.sink.SessionSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code profiles eval} and {@code profiles fit}: how well cadence tables label known drivers, and new profiles. */
@Command(name = "profiles", mixinStandardHelpOptions = true,
    description = "Evaluate cadence tables against known drivers, or fit a profile for a new model.",
    subcommands = {ProfilesCommand.Eval.class, ProfilesCommand.Fit.class})
public final class ProfilesCommand {
  /** The published models the simulator renders, with people: what a fitted profile is separated from. */
  static final List<String> REFERENCE_CLASSES = List.of("human", "kimi-k2.6", "gemini-3.1", "opus-4.6", "gpt-5.5");

  private ProfilesCommand() {}

  /** Where the sessions with known drivers come from (exactly one). */
  static final class Source {
    @Option(names = "--truth", paramLabel = "FILE",
        description = "Truth JSON lines (simulate's truth.jsonl, or harvester sidecars) for the RECORDING files.")
    Path truth;

    @Option(names = "--db", paramLabel = "FILE",
        description = "sessions.sqlite: the stored verdicts of sessions with truth.* labels (label import).")
    Path db;

    @Option(names = "--simulate", paramLabel = "N",
        description = "N simulated sessions per profile (people and the four published models), in memory.")
    Integer simulate;
  }

  @Command(name = "eval", mixinStandardHelpOptions = true,
      description = {"Confusion matrix, per-profile precision and recall, human/agent accuracy, model attribution "
          + "and the calibration of confidence.operator-type (reliability buckets, expected calibration error).",
          "With --truth or --simulate every table given is evaluated (default: every shipped table); with --db the "
              + "verdicts stored in the database are."})
  static final class Eval implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1") Source source;

    @Parameters(paramLabel = "RECORDING", arity = "0..*",
        description = "Recordings (Teleport .tar or asciicast .cast) or directories, with --truth.")
    List<Path> recordings = new ArrayList<>();

    @Option(names = "--table", paramLabel = "TABLE",
        description = "A shipped version or a table file; repeatable. Default: every shipped table.")
    List<String> tables = new ArrayList<>();

    @Option(names = "--spread", defaultValue = "0", description = "With --simulate: run-to-run spread S.")
    double spread;

    @Option(names = "--seed", defaultValue = "1", description = "With --simulate: random seed.")
    long seed;

    @Option(names = "--with-unseen", description = "With --simulate: also sessions of the unprofiled model-x.")
    boolean withUnseen;

    @Option(names = "--calibrate", paramLabel = "OUT.json",
        description = "Fit the table's calibration (score → probability right) on these sessions and write the table "
            + "with it to OUT.json (one --table).")
    Path calibrate;

    @Override
    public Integer call() throws Exception {
      if (source.db != null) {
        System.out.print(fromDatabase(source.db).render());
        return 0;
      }
      List<ProfileEvaluation.Case> cases;
      if (source.simulate != null) {
        List<String> classes = new ArrayList<>(REFERENCE_CLASSES);
        if (withUnseen) {
          classes.add(dev.whodrove.sim.CadenceModel.UNSEEN_NAME);
        }
        cases = SimulatedCorpus.cases(classes, source.simulate, spread, seed);
        System.out.printf("simulated: %d sessions per profile, spread %s, seed %d%n%n", source.simulate, spread, seed);
      } else {
        if (recordings.isEmpty()) {
          throw new IllegalArgumentException("--truth needs RECORDING files or directories");
        }
        cases = recordingCases(TruthLabels.read(source.truth), recordings);
      }
      List<CadenceTable> ts = tables.isEmpty() ? CadenceProfiles.all()
          : tables.stream().map(CadenceProfiles::resolve).toList();
      if (calibrate != null) {
        if (ts.size() != 1) {
          throw new IllegalArgumentException("--calibrate needs exactly one --table");
        }
        CadenceTable t = ts.get(0);
        var cal = ProfileEvaluation.fitCalibration(ClassifierConfig.defaults().withCadence(t), cases);
        ts = List.of(new CadenceTable(t.version(), t.threshold(), t.minEvents(), t.absenceGapS(), t.profiles(), cal));
        Files.writeString(calibrate, CadenceTableJson.write(ts.get(0), t.stage() + ", calibrated on "
            + cases.size() + " sessions"));
        System.out.printf("wrote %s: %s with its calibration fitted on %d sessions%n%n", calibrate, t.stage(),
            cases.size());
      }
      for (CadenceTable t : ts) {
        System.out.println(ProfileEvaluation.evaluate(ClassifierConfig.defaults().withCadence(t), cases).render());
      }
      return 0;
    }
  }

  @Command(name = "fit", mixinStandardHelpOptions = true,
      description = {"Fit a cadence profile for a model from recordings of it, separated from the base table's "
          + "profiles and from people (the simulator's people and published models, spread 0.5), and write the base "
          + "table plus the new profile.",
          "Prints the separation (leave-one-out) and refuses, with the reason, when recordings are too few or the "
              + "model cannot be told apart."})
  static final class Fit implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "NAME") String model;
    @Option(names = "--out", required = true, paramLabel = "TABLE.json") Path out;

    @Option(names = "--base", defaultValue = "v2", paramLabel = "TABLE",
        description = "The table the profile is added to. Default: ${DEFAULT-VALUE}.")
    String base;

    @Option(names = "--version", paramLabel = "V",
        description = "Version of the written table. Default: <base>-<model>.")
    String version;

    @Option(names = "--db", paramLabel = "FILE", description = "Take the model's sessions from sessions.sqlite.")
    Path db;

    @Option(names = "--selector", paramLabel = "K=V,...",
        description = "With --db: which sessions, e.g. truth.model=NAME. Default: truth.model=<model>.")
    String selector;

    @Option(names = "--against", defaultValue = "20", paramLabel = "N",
        description = "Simulated sessions per other class to separate from. Default: ${DEFAULT-VALUE}.")
    int against;

    @Option(names = "--seed", defaultValue = "1") long seed;

    @Parameters(paramLabel = "RECORDING", arity = "0..*", description = "Recordings of the model, or directories.")
    List<Path> recordings = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      if (model.isBlank() || !model.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
        throw new IllegalArgumentException("--model '" + model + "' is not a profile name (lower-case letters, "
            + "digits, . _ -)");
      }
      CadenceTable baseTable = CadenceProfiles.resolve(base);
      List<SessionFeatures> positives = new ArrayList<>();
      if (db != null) {
        String sel = selector == null ? TruthLabels.MODEL + "=" + model : selector;
        positives.addAll(StoredFeatures.select(db, LabelSelector.parse(sel)));
      } else if (recordings.isEmpty()) {
        throw new IllegalArgumentException("give RECORDING files of " + model + ", or --db");
      }
      for (Path f : expand(recordings)) {
        positives.add(OfflineRecording.featurize(f, OfflineRecording.NO_PRINTS));
      }
      List<ProfileEvaluation.Case> others = SimulatedCorpus.cases(REFERENCE_CLASSES, against, 0.5, seed);
      String v = version != null ? version : baseTable.version() + "-" + model;
      ProfileFitter.Fit fit;
      try {
        fit = new ProfileFitter(ClassifierConfig.defaults().withCadence(baseTable)).fit(model, v, positives,
            others);
      } catch (ProfileFitter.Refused r) {
        System.err.println("whodrove profiles fit: refused: " + r.getMessage());
        return 2;
      }
      Files.writeString(out, CadenceTableJson.write(fit.table(), baseTable.stage() + " with a profile for " + model
          + " fitted on " + positives.size() + " recordings"));
      System.out.print(fit.render());
      System.out.printf("wrote %s (%s); use it with --cadence-table %s or classifier.cadence.table=%s%n", out,
          fit.table().stage(), out, out);
      return 0;
    }
  }

  static List<Path> expand(List<Path> in) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path p : in) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.list(p)) {
          s.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".tar") || f.toString().endsWith(".cast"))
              .sorted().forEach(out::add);
        }
      } else {
        out.add(p);
      }
    }
    return out;
  }

  /** Recordings with a truth record, featurized; those without one are counted and skipped. */
  static List<ProfileEvaluation.Case> recordingCases(Map<String, Map<String, String>> truth, List<Path> recordings)
      throws IOException {
    List<ProfileEvaluation.Case> cases = new ArrayList<>();
    int without = 0;
    for (Path f : expand(recordings)) {
      String sid = OfflineRecording.sessionId(f);
      Map<String, String> t = truth.get(sid);
      if (t == null || t.get(TruthLabels.OPERATOR).equals(LabelKeys.UNKNOWN)) {
        without++;
        continue;
      }
      SessionFeatures feats = OfflineRecording.featurize(f, OfflineRecording.NO_PRINTS);
      cases.add(new ProfileEvaluation.Case(sid, t.get(TruthLabels.OPERATOR), t.getOrDefault(TruthLabels.MODEL, ""),
          feats.toBuilder().setRevision(1).setComputedAtMs(feats.getEndedMs()).build()));
    }
    if (without > 0) {
      System.err.printf("whodrove profiles: %d recording(s) without a human or agent truth record skipped%n",
          without);
    }
    if (cases.isEmpty()) {
      throw new IllegalArgumentException("no recording has a truth record (session ids are the file names)");
    }
    return cases;
  }

  /** The verdicts stored for sessions that carry truth labels. */
  static ProfileEvaluation.Report fromDatabase(Path db) throws Exception {
    List<ProfileEvaluation.Outcome> out = new ArrayList<>();
    Set<String> classes = new LinkedHashSet<>();
    Set<String> models = new LinkedHashSet<>(CadenceProfiles.MODELS);
    try (SessionDatabase store = SessionDatabase.openReadOnly(LabelCommand.requireDb(db))) {
      for (SessionSummary s : store.listSessions(LabelSelector.ALL)) {
        String op = s.label(TruthLabels.OPERATOR);
        if (op == null || op.equals(LabelKeys.UNKNOWN)) {
          continue;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        s.labels().forEach((k, l) -> labels.put(k, l.value()));
        String model = s.label(TruthLabels.MODEL);
        ProfileEvaluation.Case c = new ProfileEvaluation.Case(s.sessionId(), op, model == null ? "" : model,
            SessionFeatures.getDefaultInstance());
        classes.add(c.truthClass());
        out.add(ProfileEvaluation.outcome(c, labels));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no session in " + db + " has a truth.operator label (see label import)");
    }
    out.forEach(o -> classes.add(o.predictedClass()));
    classes.remove(ProfileEvaluation.UNDECIDED);
    return ProfileEvaluation.report("stored verdicts in " + db.getFileName(), new ArrayList<>(classes), models, out);
  }
}
