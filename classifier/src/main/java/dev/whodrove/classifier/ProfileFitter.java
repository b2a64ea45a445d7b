package dev.whodrove.classifier;

import dev.whodrove.schemas.v1.SessionFeatures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fits a cadence profile for a model from recordings of it, separated from the profiles a table already has and from
 * people. The profile is a handful of band rules ({@code lo < feature < hi}) on evidence that does not scale with the
 * task (per-turn counts, the in-burst gap regime, gap distribution shape, bytes per event): each band is the range the
 * model's recordings span, widened by {@value #WIDEN} on both sides, and the bands are chosen greedily so that the
 * sessions of every other class (people, each shipped model) fall outside at least one of them. Weights are equal and
 * add up to 1; the keystroke-echo and edit counter-evidence of the other model profiles is added.
 *
 * <p>Separation is measured leave-one-out: each recording of the model is classified by a profile fitted without it,
 * and the others' sessions by the full table. A fit is refused when recordings are too few or the model cannot be
 * told apart ({@link Refused}).
 */
public final class ProfileFitter {
  /** Fewer recordings than this is too few to fit a profile. */
  public static final int MIN_RECORDINGS = 5;
  /** Bands are widened by this fraction of their bounds on both sides. */
  static final double WIDEN = 0.2;
  /** Most band rules in a fitted profile. */
  static final int MAX_BANDS = 4;
  /** Leave-one-out attribution below this, or another class losing more than 1 - this, refuses the fit. */
  public static final double MIN_SEPARATION = 0.8;

  /** Evidence a fitted profile may use: none of it grows or shrinks with how long a task's turns are. */
  static final List<Feature> CANDIDATES = List.of(Feature.GAP_P50_S, Feature.GAP_P90_S, Feature.EVENTS_PER_TURN,
      Feature.BYTES_PER_TURN, Feature.BYTES_PER_EVENT, Feature.BURST_FRAC, Feature.THINK_SHARE,
      Feature.LONG_THINK_SHARE, Feature.GAP_P99_P90_RATIO);

  /** The fit was refused; the message says why. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    public Refused(String message) {
      super(message);
    }
  }

  /**
   * A fitted table.
   *
   * @param table the base table's profiles plus the new one
   * @param profile the new profile
   * @param looAttribution share of the model's recordings attributed to it by a profile fitted without them
   * @param keptByClass for every other class, the share of its sessions the fitted table still classifies as before
   */
  public record Fit(CadenceTable table, Profile profile, double looAttribution, Map<String, Double> keptByClass) {
    public String render() {
      StringBuilder sb = new StringBuilder();
      sb.append(String.format(Locale.ROOT, "profile %s for %s:%n", profile.name(), table.stage()));
      for (Rule r : profile.rules()) {
        sb.append("  ").append(r).append('\n');
      }
      sb.append(String.format(Locale.ROOT, "leave-one-out: %s of its recordings attributed to %s%n",
          ProfileEvaluation.pct(looAttribution), profile.name()));
      keptByClass.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  %-14s %s still classified as before%n",
          k, ProfileEvaluation.pct(v))));
      return sb.toString();
    }
  }

  private final ClassifierConfig base;

  /** @param base the configuration (and table) the new profile is added to */
  public ProfileFitter(ClassifierConfig base) {
    this.base = base;
  }

  /**
   * Fits {@code name} on {@code positives} against {@code others} (sessions of people and of the table's models, with
   * their truth).
   *
   * @param version the fitted table's version
   * @throws Refused when the recordings are too few, or the model is not separable from the others
   */
  public Fit fit(String name, String version, List<SessionFeatures> positives, List<ProfileEvaluation.Case> others)
      throws Refused {
    if (base.cadence().profiles().stream().anyMatch(p -> p.name().equals(name))) {
      throw new Refused(name + " is already a profile of " + base.cadence().stage());
    }
    List<CadenceView> pos = views(positives);
    if (pos.size() < MIN_RECORDINGS) {
      throw new Refused(pos.size() + " usable recording(s) of " + name + " (at least " + MIN_RECORDINGS
          + " with " + base.cadence().minEvents() + " or more print events are needed)");
    }
    Map<String, List<CadenceView>> neg = new LinkedHashMap<>();
    for (ProfileEvaluation.Case c : others) {
      if (!c.features().hasCadence() || c.features().getCadence().getNEvents() < base.cadence().minEvents()) {
        continue;
      }
      neg.computeIfAbsent(c.truthClass(), k -> new ArrayList<>()).add(view(c.features()));
    }
    Profile profile = profile(name, pos, neg);
    CadenceTable table = withProfile(version, profile);

    int attributed = 0;
    for (int i = 0; i < positives.size(); i++) {
      List<SessionFeatures> rest = new ArrayList<>(positives);
      SessionFeatures held = rest.remove(i);
      if (views(List.of(held)).isEmpty()) {
        continue;
      }
      CadenceTable loo = withProfile(version, profile(name, views(rest), neg));
      String cls = ProfileEvaluation.outcome(new ProfileEvaluation.Case("loo", LabelKeys.AGENT, name, held),
          new Classifier(base.withCadence(loo)).classify(held).verdict()).predictedClass();
      attributed += cls.equals(name) ? 1 : 0;
    }
    double loo = (double) attributed / pos.size();

    Map<String, Double> kept = new LinkedHashMap<>();
    Classifier before = new Classifier(base);
    Classifier after = new Classifier(base.withCadence(table));
    Map<String, int[]> counts = new LinkedHashMap<>();
    for (ProfileEvaluation.Case c : others) {
      String was = ProfileEvaluation.outcome(c, before.classify(c.features()).verdict()).predictedClass();
      String now = ProfileEvaluation.outcome(c, after.classify(c.features()).verdict()).predictedClass();
      int[] k = counts.computeIfAbsent(c.truthClass(), x -> new int[2]);
      k[0]++;
      k[1] += was.equals(now) ? 1 : 0;
    }
    counts.forEach((k, v) -> kept.put(k, (double) v[1] / v[0]));

    Fit fit = new Fit(table, profile, loo, kept);
    if (loo < MIN_SEPARATION) {
      throw new Refused("indistinguishable: leave-one-out attributes only " + ProfileEvaluation.pct(loo) + " of "
          + pos.size() + " recordings to " + name + "\n" + fit.render());
    }
    for (Map.Entry<String, Double> e : kept.entrySet()) {
      if (e.getValue() < MIN_SEPARATION) {
        throw new Refused("indistinguishable from " + e.getKey() + ": the fitted profile takes "
            + ProfileEvaluation.pct(1 - e.getValue()) + " of its sessions\n" + fit.render());
      }
    }
    return fit;
  }

  private CadenceTable withProfile(String version, Profile p) {
    // after the shipped models (they win ties), before the unprofiled-agent and human profiles
    List<Profile> ps = new ArrayList<>();
    int at = 0;
    for (int i = 0; i < base.cadence().profiles().size(); i++) {
      if (base.cadence().profiles().get(i).kind() == Profile.Kind.MODEL) {
        at = i + 1;
      }
    }
    ps.addAll(base.cadence().profiles());
    ps.add(at, p);
    return new CadenceTable(version, base.cadence().threshold(), base.cadence().minEvents(),
        base.cadence().absenceGapS(), ps, base.cadence().calibration());
  }

  private List<CadenceView> views(List<SessionFeatures> fs) {
    List<CadenceView> out = new ArrayList<>();
    for (SessionFeatures f : fs) {
      if (f.hasCadence() && !f.getCadence().getInsufficientData()
          && f.getCadence().getNEvents() >= base.cadence().minEvents()) {
        out.add(view(f));
      }
    }
    return out;
  }

  private CadenceView view(SessionFeatures f) {
    return CadenceView.of(f.getCadence(), base.cadence().absenceGapS(),
        f.hasTeleport() ? f.getTeleport().getEditCharCount() : null);
  }

  /** The profile: greedy bands that leave the fewest sessions of the worst-separated class inside all of them. */
  static Profile profile(String name, List<CadenceView> pos, Map<String, List<CadenceView>> neg) {
    Map<Feature, double[]> bands = new LinkedHashMap<>();
    for (Feature f : CANDIDATES) {
      double[] xs = pos.stream().mapToDouble(v -> v.get(f)).toArray();
      if (Arrays.stream(xs).anyMatch(Double::isNaN)) {
        continue;
      }
      double lo = Arrays.stream(xs).min().orElseThrow();
      double hi = Arrays.stream(xs).max().orElseThrow();
      bands.put(f, new double[] {round(lo * (1 - WIDEN) - 1e-6), round(hi * (1 + WIDEN) + 1e-6)});
    }
    List<Feature> chosen = new ArrayList<>();
    Map<String, boolean[]> inside = new LinkedHashMap<>();
    neg.forEach((k, v) -> {
      boolean[] b = new boolean[v.size()];
      Arrays.fill(b, true);
      inside.put(k, b);
    });
    while (chosen.size() < MAX_BANDS && chosen.size() < bands.size()) {
      Feature best = null;
      double bestWorst = Double.POSITIVE_INFINITY;
      double bestMean = Double.POSITIVE_INFINITY;
      for (Map.Entry<Feature, double[]> e : bands.entrySet()) {
        if (chosen.contains(e.getKey())) {
          continue;
        }
        double worst = 0;
        double sum = 0;
        for (Map.Entry<String, List<CadenceView>> c : neg.entrySet()) {
          boolean[] in = inside.get(c.getKey());
          int still = 0;
          for (int i = 0; i < in.length; i++) {
            if (in[i] && within(c.getValue().get(i).get(e.getKey()), e.getValue())) {
              still++;
            }
          }
          double share = in.length == 0 ? 0 : (double) still / in.length;
          worst = Math.max(worst, share);
          sum += share;
        }
        double mean = neg.isEmpty() ? 0 : sum / neg.size();
        if (worst < bestWorst - 1e-12 || (Math.abs(worst - bestWorst) <= 1e-12 && mean < bestMean)) {
          best = e.getKey();
          bestWorst = worst;
          bestMean = mean;
        }
      }
      if (best == null) {
        break;
      }
      chosen.add(best);
      double[] band = bands.get(best);
      for (Map.Entry<String, List<CadenceView>> c : neg.entrySet()) {
        boolean[] in = inside.get(c.getKey());
        for (int i = 0; i < in.length; i++) {
          in[i] = in[i] && within(c.getValue().get(i).get(best), band);
        }
      }
    }
    List<Rule> rules = new ArrayList<>();
    double w = round(1.0 / chosen.size());
    for (Feature f : chosen) {
      double[] b = bands.get(f);
      rules.add(Rule.of(w, b[0] > 0 ? Condition.between(f, b[0], b[1]) : Condition.lt(f, b[1])));
    }
    rules.add(Rule.of(-0.6, Condition.ge(Feature.KEYSTROKE_ECHO_FRAC, CadenceProfiles.ECHO_HUMAN)));
    rules.add(Rule.of(-0.2, Condition.ge(Feature.EDIT_CHARS, CadenceProfiles.EDITS_MIN),
        Condition.ge(Feature.EDIT_RATE, 0.02)));
    return new Profile(name, Profile.Kind.MODEL, rules);
  }

  private static boolean within(double x, double[] band) {
    return (band[0] <= 0 || band[0] < x) && x < band[1];
  }

  /** Four significant digits, so a written table reads well and reads back as the same doubles. */
  static double round(double x) {
    if (x == 0 || !Double.isFinite(x)) {
      return x;
    }
    return new java.math.BigDecimal(x).round(new java.math.MathContext(4)).doubleValue();
  }
}
