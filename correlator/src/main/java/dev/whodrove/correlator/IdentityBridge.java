package dev.whodrove.correlator;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps a Teleport user and a GCP principal to one identity, so the two sides of one person (or of the agent using
 * their credentials) meet. In order, first match wins:
 *
 * <ol>
 *   <li>an exact rule for the raw name ({@code teleport:alice = alice@corp.example});
 *   <li>a pattern rule, in the order written ({@code teleport:{name} = {name}@corp.example}); {@code {name}} stands for
 *       one or more characters other than {@code @}, {@code /} and white space;
 *   <li>a workforce-federation subject
 *       ({@code principal://iam.googleapis.com/locations/global/workforcePools/<pool>/subject/<subject>}) is its
 *       subject;
 *   <li>the name itself.
 * </ol>
 *
 * The result is trimmed and lower-cased: identities compare case-insensitively. A bare Teleport user never matches
 * the local part of a GCP email by default: {@code alice} would otherwise join {@code alice@contractor.example} and
 * the service account {@code alice@project.iam.gserviceaccount.com}. A pattern rule names the one domain whose local
 * parts are Teleport user names.
 *
 * <p>Rules are lines {@code <side>:<name or pattern> = <identity or template>}, side {@code teleport} or {@code gcp};
 * {@code #} starts a comment. A template uses {@code {name}} if and only if its pattern does.
 */
public final class IdentityBridge {
  /** The side a raw name comes from. */
  public enum Side {
    TELEPORT("teleport"),
    GCP("gcp");

    final String prefix;

    Side(String prefix) {
      this.prefix = prefix;
    }
  }

  private static final String NAME = "{name}";
  private static final Pattern WORKFORCE_SUBJECT = Pattern.compile(
      "^principal://iam\\.googleapis\\.com/locations/[^/]+/workforcePools/[^/]+/subject/(.+)$");

  /** A pattern rule compiled. */
  private record PatternRule(Side side, Pattern pattern, String template, String text) {}

  /** No rules: case-insensitive equality, workforce subjects by their subject. */
  public static final IdentityBridge DEFAULT = new IdentityBridge(Map.of(), List.of(), 0);

  private final Map<String, String> exact;
  private final List<PatternRule> patterns;
  private final int ruleCount;

  private IdentityBridge(Map<String, String> exact, List<PatternRule> patterns, int ruleCount) {
    this.exact = Map.copyOf(exact);
    this.patterns = List.copyOf(patterns);
    this.ruleCount = ruleCount;
  }

  /** How many rules this bridge holds (for the start-up log line). */
  public int ruleCount() {
    return ruleCount;
  }

  /** The identity of a raw name from {@code side}; empty for a blank name. */
  public String identity(Side side, String raw) {
    if (raw == null || raw.isBlank()) {
      return "";
    }
    String name = raw.trim();
    String hit = exact.get(side.prefix + ":" + name.toLowerCase(Locale.ROOT));
    if (hit != null) {
      return hit;
    }
    for (PatternRule r : patterns) {
      if (r.side() != side) {
        continue;
      }
      Matcher m = r.pattern().matcher(name);
      if (m.matches()) {
        String captured = m.groupCount() == 0 ? "" : m.group(1);
        return normalize(r.template().replace(NAME, captured));
      }
    }
    if (side == Side.GCP) {
      Matcher m = WORKFORCE_SUBJECT.matcher(name);
      if (m.matches()) {
        return normalize(URLDecoder.decode(m.group(1), StandardCharsets.UTF_8));
      }
    }
    return normalize(name);
  }

  private static String normalize(String s) {
    return s.trim().toLowerCase(Locale.ROOT);
  }

  /** Rules from a file, then the inline ones (each as one line). */
  public static IdentityBridge load(Path file, List<String> inline) {
    List<String[]> lines = new ArrayList<>(); // {where, text}
    if (file != null) {
      List<String> content;
      try {
        content = Files.readAllLines(file, StandardCharsets.UTF_8);
      } catch (IOException | java.io.UncheckedIOException e) {
        throw new IllegalArgumentException("cannot read identity map " + file + ": " + e.getClass().getSimpleName());
      }
      for (int i = 0; i < content.size(); i++) {
        lines.add(new String[] {file + ":" + (i + 1), content.get(i)});
      }
    }
    for (int i = 0; i < inline.size(); i++) {
      lines.add(new String[] {"rule " + (i + 1), inline.get(i)});
    }
    return parse(lines);
  }

  /** Rules given as text lines (tests, the inline key). */
  public static IdentityBridge of(List<String> rules) {
    return load(null, rules);
  }

  private static IdentityBridge parse(List<String[]> lines) {
    Map<String, String> exact = new HashMap<>();
    List<PatternRule> patterns = new ArrayList<>();
    int count = 0;
    for (String[] l : lines) {
      String where = l[0];
      String text = l[1];
      int hash = text.indexOf('#');
      String rule = (hash >= 0 ? text.substring(0, hash) : text).trim();
      if (rule.isEmpty()) {
        continue;
      }
      int eq = rule.indexOf('=');
      int colon = rule.indexOf(':');
      if (eq < 0 || colon < 0 || colon > eq) {
        throw new IllegalArgumentException(where + ": expected <teleport|gcp>:<name> = <identity>, got '" + rule + "'");
      }
      String sideText = rule.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      Side side = switch (sideText) {
        case "teleport" -> Side.TELEPORT;
        case "gcp" -> Side.GCP;
        default -> throw new IllegalArgumentException(where + ": side must be teleport or gcp, got '" + sideText + "'");
      };
      // the name may itself hold '=' nowhere, but ':' (principal://…): split at the first '=' only
      String from = rule.substring(colon + 1, eq).trim();
      String to = rule.substring(eq + 1).trim();
      if (from.isEmpty() || to.isEmpty()) {
        throw new IllegalArgumentException(where + ": empty name or identity in '" + rule + "'");
      }
      int names = count(from, NAME);
      if (names > 1 || count(to, NAME) != names) {
        throw new IllegalArgumentException(where + ": " + NAME + " must appear once on both sides or on neither, in '"
            + rule + "'");
      }
      if (names == 0) {
        exact.putIfAbsent(side.prefix + ":" + from.toLowerCase(Locale.ROOT), normalize(to));
      } else {
        int at = from.indexOf(NAME);
        String regex = "^" + Pattern.quote(from.substring(0, at)) + "([^@/\\s]+)"
            + Pattern.quote(from.substring(at + NAME.length())) + "$";
        patterns.add(new PatternRule(side, Pattern.compile(regex, Pattern.CASE_INSENSITIVE), to, rule));
      }
      count++;
    }
    return new IdentityBridge(exact, patterns, count);
  }

  private static int count(String s, String part) {
    int n = 0;
    for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length())) {
      n++;
    }
    return n;
  }
}
