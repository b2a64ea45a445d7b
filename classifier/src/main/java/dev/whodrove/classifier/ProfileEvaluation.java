package dev.whodrove.classifier;

import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How well a configuration (a cadence table and the rules around it) labels sessions whose driver is known: the
 * confusion matrix of truth against the attributed class, per-profile precision and recall, human/agent accuracy,
 * model attribution, and the calibration of {@code confidence.operator-type}. Sessions are classified with the full
 * {@link Classifier}, so the numbers are those of the labels the service stamps.
 */
public final class ProfileEvaluation {
  /** The class of an agent whose model is not profiled (truth) or not named (prediction). */
  public static final String ANY_AGENT = "agent";
  /** operator.type=unknown: the classifier did not decide. */
  public static final String UNDECIDED = "unknown";
  /** Reliability buckets of the calibration table. */
  public static final int BUCKETS = 10;

  /**
   * One session with its known driver.
   *
   * @param id session id (or file)
   * @param truthOperator {@code human} or {@code agent}
   * @param truthModel the model for agents when known, else empty
   */
  public record Case(String id, String truthOperator, String truthModel, SessionFeatures features) {
    /** The truth class: {@code human}, the model, or {@code agent}. */
    public String truthClass() {
      if (LabelKeys.HUMAN.equals(truthOperator)) {
        return LabelKeys.HUMAN;
      }
      return truthModel == null || truthModel.isEmpty() ? ANY_AGENT : truthModel;
    }
  }

  /** One classified case. */
  public record Outcome(Case c, String operator, String predictedClass, String cadenceLabel, double confidence,
      double suspicion) {
    /** operator.type matches the truth. */
    public boolean operatorRight() {
      return operator.equals(c.truthOperator());
    }
  }

  /** One reliability bucket: verdicts whose confidence lies in [lo, hi). */
  public record Bucket(double lo, double hi, int n, double meanConfidence, double accuracy) {}

  /** Precision and recall of one profile. */
  public record ProfileScore(String profile, int predicted, int truth, int correct) {
    public double precision() {
      return predicted == 0 ? Double.NaN : (double) correct / predicted;
    }

    public double recall() {
      return truth == 0 ? Double.NaN : (double) correct / truth;
    }
  }

  /** The whole report. */
  public record Report(String tableStage, List<Outcome> outcomes, Map<String, Map<String, Integer>> confusion,
      List<ProfileScore> profiles, double operatorAccuracy, double humanAccuracy, double agentAccuracy,
      double modelAttribution, int modelCases, List<Bucket> calibration, double ece, long humansCalledAgents,
      long agentsCalledHuman, List<Bucket> suspicionCalibration, double suspicionEce) {

    /** A plain-text rendering (what {@code profiles eval} prints). */
    public String render() {
      StringBuilder sb = new StringBuilder();
      sb.append("table ").append(tableStage).append(": ").append(outcomes.size()).append(" sessions\n\n");
      Set<String> cols = new LinkedHashSet<>();
      confusion.values().forEach(r -> cols.addAll(r.keySet()));
      sb.append(String.format(Locale.ROOT, "%-14s", "truth \\ called"));
      for (String c : cols) {
        sb.append(String.format(Locale.ROOT, " %12s", c));
      }
      sb.append('\n');
      confusion.forEach((truth, row) -> {
        sb.append(String.format(Locale.ROOT, "%-14s", truth));
        for (String c : cols) {
          sb.append(String.format(Locale.ROOT, " %12d", row.getOrDefault(c, 0)));
        }
        sb.append('\n');
      });
      sb.append(String.format(Locale.ROOT, "%n%-14s %9s %9s %7s %7s%n", "profile", "precision", "recall", "called",
          "truth"));
      for (ProfileScore p : profiles) {
        sb.append(String.format(Locale.ROOT, "%-14s %9s %9s %7d %7d%n", p.profile(), pct(p.precision()),
            pct(p.recall()), p.predicted(), p.truth()));
      }
      sb.append(String.format(Locale.ROOT, "%nhuman/agent accuracy %s (people %s, agents %s); people called agents "
              + "%d, agents called human %d%n", pct(operatorAccuracy), pct(humanAccuracy), pct(agentAccuracy),
          humansCalledAgents, agentsCalledHuman));
      sb.append(String.format(Locale.ROOT, "model attribution %s of %d sessions of profiled models%n",
          pct(modelAttribution), modelCases));
      sb.append(String.format(Locale.ROOT, "%ncalibration of confidence.operator-type (ECE %.3f)%n", ece));
      buckets(sb, calibration);
      sb.append(String.format(Locale.ROOT, "%ncalibration of agent.suspicion_score (the agent call: model named, or "
          + "an unprofiled agent) (ECE %.3f)%n", suspicionEce));
      buckets(sb, suspicionCalibration);
      return sb.toString();
    }

    private static void buckets(StringBuilder sb, List<Bucket> bs) {
      sb.append(String.format(Locale.ROOT, "%-11s %6s %10s %9s%n", "score", "n", "mean", "right"));
      for (Bucket b : bs) {
        if (b.n() > 0) {
          sb.append(String.format(Locale.ROOT, "%.1f-%.1f    %6d %10.3f %9s%n", b.lo(), b.hi(), b.n(),
              b.meanConfidence(), pct(b.accuracy())));
        }
      }
    }
  }

  private ProfileEvaluation() {}

  /** Classifies every case with {@code config} and reports. */
  public static Report evaluate(ClassifierConfig config, List<Case> cases) {
    Classifier classifier = new Classifier(config);
    List<Outcome> out = new ArrayList<>();
    for (Case c : cases) {
      out.add(outcome(c, classifier.classify(c.features()).verdict()));
    }
    return report(config.cadence(), out);
  }

  /** The report of classified cases, with the profiles of {@code table}. */
  public static Report report(CadenceTable table, List<Outcome> out) {
    List<String> names = new ArrayList<>();
    Set<String> models = new LinkedHashSet<>();
    for (Profile p : table.profiles()) {
      names.add(p.kind() == Profile.Kind.AGENT ? ANY_AGENT : p.name());
      if (p.kind() == Profile.Kind.MODEL) {
        models.add(p.name());
      }
    }
    return report(table.stage(), names, models, out);
  }

  static Outcome outcome(Case c, SessionVerdict v) {
    Map<String, String> l = new LinkedHashMap<>();
    for (Label x : v.getLabelsList()) {
      l.put(x.getKey(), x.getValue());
    }
    return outcome(c, l);
  }

  /** The outcome of a case from the labels stamped for it (a verdict's, or those stored in sessions.sqlite). */
  public static Outcome outcome(Case c, Map<String, String> l) {
    String op = l.getOrDefault(LabelKeys.OPERATOR_TYPE, UNDECIDED);
    String cls = switch (op) {
      case LabelKeys.HUMAN -> LabelKeys.HUMAN;
      case LabelKeys.AGENT -> l.getOrDefault(LabelKeys.SUSPECTED_MODEL, ANY_AGENT);
      default -> UNDECIDED;
    };
    return new Outcome(c, op, cls, l.getOrDefault(LabelKeys.CADENCE_LABEL, ""),
        parse(l.get(LabelKeys.CONFIDENCE_OPERATOR_TYPE)), parse(l.get(LabelKeys.SUSPICION_SCORE)));
  }

  private static double parse(String s) {
    return s == null ? Double.NaN : Double.parseDouble(s);
  }

  /**
   * The report of classified cases.
   *
   * @param stage what produced the verdicts (a table's stage, or the stored verdicts)
   * @param profileNames the classes to give precision and recall for
   * @param models the profiled models (model attribution counts sessions of these)
   */
  public static Report report(String stage, List<String> profileNames, Set<String> models, List<Outcome> out) {
    Map<String, Map<String, Integer>> confusion = new TreeMap<>();
    for (Outcome o : out) {
      confusion.computeIfAbsent(o.c().truthClass(), k -> new TreeMap<>()).merge(o.predictedClass(), 1, Integer::sum);
    }
    List<ProfileScore> scores = new ArrayList<>();
    for (String name : profileNames) {
      int predicted = 0;
      int truth = 0;
      int correct = 0;
      for (Outcome o : out) {
        boolean t = o.c().truthClass().equals(name);
        boolean c = o.predictedClass().equals(name);
        predicted += c ? 1 : 0;
        truth += t ? 1 : 0;
        correct += t && c ? 1 : 0;
      }
      scores.add(new ProfileScore(name, predicted, truth, correct));
    }
    long right = out.stream().filter(Outcome::operatorRight).count();
    long people = out.stream().filter(o -> o.c().truthOperator().equals(LabelKeys.HUMAN)).count();
    long peopleRight = out.stream().filter(o -> o.c().truthOperator().equals(LabelKeys.HUMAN) && o.operatorRight())
        .count();
    long agents = out.size() - people;
    long humansCalledAgents = out.stream().filter(o -> o.c().truthOperator().equals(LabelKeys.HUMAN)
        && o.operator().equals(LabelKeys.AGENT)).count();
    long agentsCalledHuman = out.stream().filter(o -> o.c().truthOperator().equals(LabelKeys.AGENT)
        && o.operator().equals(LabelKeys.HUMAN)).count();
    List<Outcome> modelCases = out.stream().filter(o -> models.contains(o.c().truthClass())).toList();
    long attributed = modelCases.stream().filter(o -> o.predictedClass().equals(o.c().truthClass())).count();

    List<double[]> pairs = new ArrayList<>();
    for (Outcome o : out) {
      if (!o.operator().equals(UNDECIDED) && !Double.isNaN(o.confidence())) {
        pairs.add(new double[] {o.confidence(), o.operatorRight() ? 1 : 0});
      }
    }
    List<Bucket> buckets = reliability(pairs);
    List<double[]> sus = suspicionPairs(out, models);
    List<Bucket> susBuckets = reliability(sus);
    return new Report(stage, out, confusion, scores, ratio(right, out.size()), ratio(peopleRight, people),
        ratio(agents - out.stream().filter(o -> o.c().truthOperator().equals(LabelKeys.AGENT) && !o.operatorRight())
            .count(), agents), ratio(attributed, modelCases.size()), modelCases.size(), buckets, ece(buckets,
            pairs.size()), humansCalledAgents, agentsCalledHuman, susBuckets, ece(susBuckets, sus.size()));
  }

  /**
   * (suspicion, agent call right) of every agent call: right when the named model is the driver, or when no model is
   * named and the driver is an agent of a model the table does not profile.
   */
  static List<double[]> suspicionPairs(List<Outcome> out, Set<String> models) {
    List<double[]> pairs = new ArrayList<>();
    for (Outcome o : out) {
      if (!o.operator().equals(LabelKeys.AGENT) || Double.isNaN(o.suspicion())) {
        continue;
      }
      String truth = o.c().truthClass();
      boolean right = o.predictedClass().equals(truth)
          || (o.predictedClass().equals(ANY_AGENT) && o.c().truthOperator().equals(LabelKeys.AGENT)
          && !models.contains(truth));
      pairs.add(new double[] {o.suspicion(), right ? 1 : 0});
    }
    return pairs;
  }

  /**
   * A calibration for {@code config}'s table from labelled cases: the table is run uncalibrated, and each map is the
   * isotonic (pool-adjacent-violators) fit of rightness on the raw score, every block's rate smoothed as
   * (right + 1) / (n + 2) so no score claims certainty from finite data.
   */
  public static CadenceCalibration fitCalibration(ClassifierConfig config, List<Case> cases) {
    CadenceTable t = config.cadence();
    CadenceTable raw = new CadenceTable(t.version(), t.threshold(), t.minEvents(), t.absenceGapS(), t.profiles());
    Report r = evaluate(config.withCadence(raw), cases);
    List<double[]> op = new ArrayList<>();
    for (Outcome o : r.outcomes()) {
      // only the cadence's own calls: a call the PTY evidence made is not on the table's score scale
      if (!o.operator().equals(UNDECIDED) && !Double.isNaN(o.confidence()) && !o.cadenceLabel().isEmpty()
          && !o.cadenceLabel().equals(CadenceVerdict.AMBIGUOUS)
          && !o.cadenceLabel().equals(CadenceVerdict.INSUFFICIENT_DATA)) {
        op.add(new double[] {o.confidence(), o.operatorRight() ? 1 : 0});
      }
    }
    Set<String> models = new LinkedHashSet<>();
    t.profiles().stream().filter(p -> p.kind() == Profile.Kind.MODEL).forEach(p -> models.add(p.name()));
    return new CadenceCalibration(isotonic(op), isotonic(suspicionPairs(r.outcomes(), models)));
  }

  static List<CadenceCalibration.Point> isotonic(List<double[]> pairs) {
    TreeMap<Double, double[]> groups = new TreeMap<>();
    for (double[] p : pairs) {
      double[] g = groups.computeIfAbsent(p[0], k -> new double[3]);
      g[0] += 1;
      g[1] += p[1];
      g[2] += p[0];
    }
    List<double[]> blocks = new ArrayList<>(); // n, right, sum of scores
    for (double[] g : groups.values()) {
      blocks.add(g.clone());
      while (blocks.size() > 1) {
        double[] b = blocks.get(blocks.size() - 1);
        double[] a = blocks.get(blocks.size() - 2);
        if (a[1] / a[0] <= b[1] / b[0]) {
          break;
        }
        a[0] += b[0];
        a[1] += b[1];
        a[2] += b[2];
        blocks.remove(blocks.size() - 1);
      }
    }
    List<CadenceCalibration.Point> out = new ArrayList<>();
    for (double[] b : blocks) {
      double score = ProfileFitter.round(b[2] / b[0]);
      double prob = ProfileFitter.round((b[1] + 1) / (b[0] + 2));
      if (!out.isEmpty()) {
        CadenceCalibration.Point last = out.get(out.size() - 1);
        if (score <= last.score()) {
          continue;
        }
        prob = Math.max(prob, last.probability());
      }
      out.add(new CadenceCalibration.Point(score, prob));
    }
    return out;
  }

  /** Reliability buckets of (confidence, right 0/1) pairs: ten of width 0.1, a confidence of 1 in the last. */
  public static List<Bucket> reliability(List<double[]> pairs) {
    int[] n = new int[BUCKETS];
    double[] conf = new double[BUCKETS];
    double[] right = new double[BUCKETS];
    for (double[] p : pairs) {
      int b = Math.min(BUCKETS - 1, Math.max(0, (int) Math.floor(p[0] * BUCKETS + 1e-9)));
      n[b]++;
      conf[b] += p[0];
      right[b] += p[1];
    }
    List<Bucket> out = new ArrayList<>();
    for (int b = 0; b < BUCKETS; b++) {
      out.add(new Bucket(b / (double) BUCKETS, (b + 1) / (double) BUCKETS, n[b], n[b] == 0 ? Double.NaN
          : conf[b] / n[b], n[b] == 0 ? Double.NaN : right[b] / n[b]));
    }
    return out;
  }

  /** Expected calibration error: the bucket-size-weighted mean gap between confidence and accuracy. */
  public static double ece(List<Bucket> buckets, int total) {
    if (total == 0) {
      return 0;
    }
    double e = 0;
    for (Bucket b : buckets) {
      if (b.n() > 0) {
        e += (double) b.n() / total * Math.abs(b.accuracy() - b.meanConfidence());
      }
    }
    return e;
  }

  private static double ratio(long a, long b) {
    return b == 0 ? Double.NaN : (double) a / b;
  }

  static String pct(double x) {
    return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * x);
  }
}
