package dev.whodrove.classifier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A cadence table as JSON: the file format of the shipped tables (resources {@code cadence/<version>.json}) and of
 * tables written by {@code profiles fit}. Everything is checked at load, and the first bad entry is named in a
 * one-line error ({@code cadence table FILE: profiles[2] "opus-4.6" rules[0] when[1]: unknown feature ...}).
 *
 * <pre>{@code
 * {"version": "v1", "threshold": 0.5, "min_events": 30, "absence_gap_s": 300,
 *  "derived": ["bytes_per_event", "edit_rate"],
 *  "profiles": [{"name": "kimi-k2.6", "kind": "model", "rules": [
 *      {"weight": 0.35, "when": ["gap_max_s > 60"]},
 *      {"weight": 0.2, "when": ["0.15 < events_per_sec < 0.5"]}]}]}
 * }</pre>
 *
 * A condition is {@code feature OP number} ({@code <}, {@code <=}, {@code >}, {@code >=}, {@code ==}) or
 * {@code lo < feature < hi} (exclusive both ends). Numbers are read as Java reads a double literal, so a table
 * written from code and read back scores bit for bit the same.
 */
public final class CadenceTableJson {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final Set<String> RESERVED = Set.of(CadenceVerdict.AMBIGUOUS, CadenceVerdict.INSUFFICIENT_DATA,
      CadenceVerdict.POLLING, "scripted", "unknown");
  private static final Set<String> TOP_KEYS = Set.of("version", "description", "threshold", "min_events",
      "absence_gap_s", "derived", "profiles", "calibration");
  private static final String NUM = "(-?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?)";
  private static final Pattern COMPARISON = Pattern.compile("\\s*([a-z0-9_]+)\\s*(<=|>=|==|<|>)\\s*" + NUM + "\\s*");
  private static final Pattern RANGE = Pattern.compile("\\s*" + NUM + "\\s*<\\s*([a-z0-9_]+)\\s*<\\s*" + NUM + "\\s*");

  private CadenceTableJson() {}

  /**
   * Reads and validates a table.
   *
   * @param source what to call the table in errors (a file name or {@code cadence@v1})
   * @throws IllegalArgumentException naming the first bad entry
   */
  public static CadenceTable read(byte[] json, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("cadence table " + source + ": not JSON: " + firstLine(e));
    }
    try {
      return parse(root);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cadence table " + source + ": " + e.getMessage(), e);
    }
  }

  private static CadenceTable parse(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("expected a JSON object");
    }
    unknownKeys(root, TOP_KEYS, "");
    String version = text(root, "version", "");
    if (!VERSION.matcher(version).matches()) {
      throw new IllegalArgumentException("version: '" + version + "' is not a version (letters, digits, . _ -)");
    }
    double threshold = number(root, "threshold", "");
    if (!(threshold > 0 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold: " + threshold + " is not in (0, 1]");
    }
    JsonNode me = root.get("min_events");
    if (me == null || !me.canConvertToInt() || !me.isIntegralNumber() || me.asInt() < 1) {
      throw new IllegalArgumentException("min_events: expected a whole number >= 1");
    }
    JsonNode abs = root.get("absence_gap_s");
    double absence;
    if (abs == null || abs.isNull()) {
      absence = Double.POSITIVE_INFINITY;
    } else if (abs.isNumber() && abs.asDouble() > 0) {
      absence = abs.asDouble();
    } else {
      throw new IllegalArgumentException("absence_gap_s: expected seconds > 0, or null for off");
    }
    Set<Feature> derived = new LinkedHashSet<>();
    JsonNode d = root.get("derived");
    if (d != null) {
      if (!d.isArray()) {
        throw new IllegalArgumentException("derived: expected an array of feature names");
      }
      for (int i = 0; i < d.size(); i++) {
        Feature f = Feature.ofKey(d.get(i).asText());
        if (f == null || !f.derived() || !d.get(i).isTextual()) {
          throw new IllegalArgumentException("derived[" + i + "]: '" + d.get(i).asText() + "' is not a derived "
              + "feature (known: " + keys(Arrays.stream(Feature.values()).filter(Feature::derived).toList()) + ")");
        }
        derived.add(f);
      }
    }
    JsonNode ps = root.get("profiles");
    if (ps == null || !ps.isArray() || ps.isEmpty()) {
      throw new IllegalArgumentException("profiles: expected a non-empty array");
    }
    List<Profile> profiles = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < ps.size(); i++) {
      Profile p = profile(ps.get(i), "profiles[" + i + "]", derived);
      if (!names.add(p.name())) {
        throw new IllegalArgumentException("profiles[" + i + "]: duplicate profile name '" + p.name() + "'");
      }
      profiles.add(p);
    }
    if (profiles.stream().noneMatch(p -> p.kind() == Profile.Kind.HUMAN)) {
      throw new IllegalArgumentException("profiles: no profile of kind human (a table must be able to say human)");
    }
    if (profiles.stream().filter(p -> p.kind() == Profile.Kind.AGENT).count() > 1) {
      throw new IllegalArgumentException("profiles: more than one profile of kind agent");
    }
    return new CadenceTable(version, threshold, me.asInt(), absence, profiles,
        calibration(root.get("calibration")));
  }

  /** {@code {"operator": [[score, probability], ...], "suspicion": [...]}}, or absent for none. */
  private static CadenceCalibration calibration(JsonNode c) {
    if (c == null || c.isNull()) {
      return CadenceCalibration.NONE;
    }
    if (!c.isObject()) {
      throw new IllegalArgumentException("calibration: expected an object with operator and suspicion maps");
    }
    unknownKeys(c, Set.of("operator", "suspicion"), "calibration: ");
    return new CadenceCalibration(points(c.get("operator"), "calibration.operator"),
        points(c.get("suspicion"), "calibration.suspicion"));
  }

  private static List<CadenceCalibration.Point> points(JsonNode a, String where) {
    List<CadenceCalibration.Point> out = new ArrayList<>();
    if (a == null) {
      return out;
    }
    if (!a.isArray()) {
      throw new IllegalArgumentException(where + ": expected an array of [score, probability] pairs");
    }
    for (int i = 0; i < a.size(); i++) {
      JsonNode p = a.get(i);
      if (!p.isArray() || p.size() != 2 || !p.get(0).isNumber() || !p.get(1).isNumber()) {
        throw new IllegalArgumentException(where + "[" + i + "]: expected [score, probability]");
      }
      out.add(new CadenceCalibration.Point(Double.parseDouble(p.get(0).asText()),
          Double.parseDouble(p.get(1).asText())));
    }
    CadenceCalibration.validate(out, where);
    return out;
  }

  private static Profile profile(JsonNode p, String where, Set<Feature> derived) {
    if (!p.isObject()) {
      throw new IllegalArgumentException(where + ": expected an object");
    }
    unknownKeys(p, Set.of("name", "kind", "rules"), where + ": ");
    String name = text(p, "name", where + ": ");
    String at = where + " \"" + name + "\"";
    if (!NAME.matcher(name).matches() || RESERVED.contains(name)) {
      throw new IllegalArgumentException(at + ": name '" + name + "' is reserved or not lower-case letters, digits,"
          + " . _ -");
    }
    String kindText = text(p, "kind", at + ": ");
    Profile.Kind kind;
    try {
      kind = Profile.Kind.valueOf(kindText.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(at + ": kind '" + kindText + "' is not model, agent or human");
    }
    if (kind == Profile.Kind.HUMAN && !name.equals("human")) {
      throw new IllegalArgumentException(at + ": a profile of kind human must be named human");
    }
    JsonNode rs = p.get("rules");
    if (rs == null || !rs.isArray() || rs.isEmpty()) {
      throw new IllegalArgumentException(at + ": rules: expected a non-empty array");
    }
    List<Rule> rules = new ArrayList<>();
    for (int j = 0; j < rs.size(); j++) {
      rules.add(rule(rs.get(j), at + " rules[" + j + "]", derived));
    }
    return new Profile(name, kind, rules);
  }

  private static Rule rule(JsonNode r, String where, Set<Feature> derived) {
    if (!r.isObject()) {
      throw new IllegalArgumentException(where + ": expected an object");
    }
    unknownKeys(r, Set.of("weight", "when"), where + ": ");
    double w = number(r, "weight", where + ": ");
    if (!(w >= -1 && w <= 1) || w == 0) {
      throw new IllegalArgumentException(where + ": weight " + w + " is not in [-1, 1] or is 0");
    }
    JsonNode when = r.get("when");
    if (when == null || !when.isArray() || when.isEmpty()) {
      throw new IllegalArgumentException(where + ": when: expected a non-empty array of conditions");
    }
    List<Condition> cs = new ArrayList<>();
    for (int k = 0; k < when.size(); k++) {
      String at = where + " when[" + k + "]";
      if (!when.get(k).isTextual()) {
        throw new IllegalArgumentException(at + ": expected a condition string such as \"gap_max_s > 60\"");
      }
      cs.add(condition(when.get(k).asText(), at, derived));
    }
    return new Rule(w, cs);
  }

  /** Parses {@code feature OP number} or {@code lo < feature < hi}. */
  static Condition condition(String text, String where, Set<Feature> derived) {
    Matcher m = RANGE.matcher(text);
    Condition c;
    if (m.matches()) {
      Feature f = feature(m.group(2), text, where, derived);
      double lo = Double.parseDouble(m.group(1));
      double hi = Double.parseDouble(m.group(3));
      if (!(lo < hi)) {
        throw new IllegalArgumentException(where + ": '" + text + "': the range is empty");
      }
      c = Condition.between(f, lo, hi);
    } else {
      m = COMPARISON.matcher(text);
      if (!m.matches()) {
        throw new IllegalArgumentException(where + ": '" + text + "' is not 'feature OP number' or"
            + " 'lo < feature < hi'");
      }
      Feature f = feature(m.group(1), text, where, derived);
      double v = Double.parseDouble(m.group(3));
      c = switch (m.group(2)) {
        case "<" -> Condition.lt(f, v);
        case "<=" -> Condition.le(f, v);
        case ">" -> Condition.gt(f, v);
        case ">=" -> Condition.ge(f, v);
        default -> Condition.eq(f, v);
      };
    }
    if (!Double.isFinite(c.value()) || (c.op() == Condition.Op.BETWEEN && !Double.isFinite(c.upper()))) {
      throw new IllegalArgumentException(where + ": '" + text + "': numbers must be finite");
    }
    return c;
  }

  private static Feature feature(String key, String text, String where, Set<Feature> derived) {
    Feature f = Feature.ofKey(key);
    if (f == null) {
      throw new IllegalArgumentException(where + ": '" + text + "': unknown feature '" + key + "' (known: "
          + keys(Arrays.asList(Feature.values())) + ")");
    }
    if (f.derived() && !derived.contains(f)) {
      throw new IllegalArgumentException(where + ": '" + text + "': derived feature '" + key
          + "' is not listed in \"derived\"");
    }
    return f;
  }

  /** The table as JSON, one rule per line; {@link #read} gives back an equal table. */
  public static String write(CadenceTable t, String description) {
    StringBuilder sb = new StringBuilder("{\n");
    sb.append("  \"version\": ").append(str(t.version())).append(",\n");
    if (description != null && !description.isEmpty()) {
      sb.append("  \"description\": ").append(str(description)).append(",\n");
    }
    sb.append("  \"threshold\": ").append(Condition.fmt(t.threshold())).append(",\n");
    sb.append("  \"min_events\": ").append(t.minEvents()).append(",\n");
    sb.append("  \"absence_gap_s\": ")
        .append(Double.isInfinite(t.absenceGapS()) ? "null" : Condition.fmt(t.absenceGapS())).append(",\n");
    Set<Feature> derived = new LinkedHashSet<>();
    for (Profile p : t.profiles()) {
      for (Rule r : p.rules()) {
        r.when().stream().map(Condition::feature).filter(Feature::derived).forEach(derived::add);
      }
    }
    sb.append("  \"derived\": [").append(derived.stream().sorted().map(f -> str(f.key()))
        .collect(Collectors.joining(", "))).append("],\n");
    if (!t.calibration().isNone()) {
      sb.append("  \"calibration\": {\n    \"operator\": ").append(points(t.calibration().operator()))
          .append(",\n    \"suspicion\": ").append(points(t.calibration().suspicion())).append("\n  },\n");
    }
    sb.append("  \"profiles\": [\n");
    for (int i = 0; i < t.profiles().size(); i++) {
      Profile p = t.profiles().get(i);
      sb.append("    {\"name\": ").append(str(p.name())).append(", \"kind\": ")
          .append(str(p.kind().name().toLowerCase(Locale.ROOT))).append(", \"rules\": [\n");
      for (int j = 0; j < p.rules().size(); j++) {
        Rule r = p.rules().get(j);
        sb.append("      {\"weight\": ").append(Condition.fmt(r.weight())).append(", \"when\": [")
            .append(r.when().stream().map(c -> str(c.toString())).collect(Collectors.joining(", "))).append("]}")
            .append(j + 1 < p.rules().size() ? ",\n" : "\n");
      }
      sb.append("    ]}").append(i + 1 < t.profiles().size() ? ",\n" : "\n");
    }
    sb.append("  ]\n}\n");
    return sb.toString();
  }

  private static String points(List<CadenceCalibration.Point> ps) {
    return ps.stream().map(p -> "[" + Condition.fmt(p.score()) + ", " + Condition.fmt(p.probability()) + "]")
        .collect(Collectors.joining(", ", "[", "]"));
  }

  private static String str(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void unknownKeys(JsonNode n, Set<String> known, String where) {
    Iterator<String> it = n.fieldNames();
    while (it.hasNext()) {
      String k = it.next();
      if (!known.contains(k)) {
        throw new IllegalArgumentException(where + "unknown key '" + k + "' (known: " + known.stream().sorted()
            .collect(Collectors.joining(", ")) + ")");
      }
    }
  }

  private static String text(JsonNode n, String key, String where) {
    JsonNode v = n.get(key);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException(where + key + ": expected a string");
    }
    return v.asText();
  }

  private static double number(JsonNode n, String key, String where) {
    JsonNode v = n.get(key);
    if (v == null || !v.isNumber()) {
      throw new IllegalArgumentException(where + key + ": expected a number");
    }
    // the literal's text, so 0.15 is the same double as the Java literal 0.15
    return Double.parseDouble(v.asText());
  }

  private static String keys(List<Feature> fs) {
    return fs.stream().map(Feature::key).collect(Collectors.joining(", "));
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
