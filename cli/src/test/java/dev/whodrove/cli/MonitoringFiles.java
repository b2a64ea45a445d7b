package dev.whodrove.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * The monitoring files of the compose deployment, read as Prometheus and Grafana read them: the alert rules'
 * expressions ({@code deploy/prometheus/alerts.yml}), the dashboards' queries ({@code deploy/grafana/dashboards}),
 * and the metric names a PromQL expression reads.
 */
final class MonitoringFiles {
  /** Series Prometheus makes itself, not the services: scrape health and the alerts' own state. */
  static final Set<String> PROMETHEUS_SERIES = Set.of("up", "scrape_duration_seconds", "scrape_samples_scraped",
      "scrape_samples_post_metric_relabeling", "scrape_series_added", "ALERTS", "ALERTS_FOR_STATE");

  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
      "bool", "and", "or", "unless", "offset", "inf", "nan", "atan2");
  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
  private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");

  private MonitoringFiles() {}

  static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("docker-compose.yml"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no parent directory with docker-compose.yml");
    }
    return dir;
  }

  /** Alert name → expression, from deploy/prometheus/alerts.yml. */
  @SuppressWarnings("unchecked")
  static Map<String, String> alertRules() throws IOException {
    Map<String, Object> file = new Yaml().load(Files.readString(root().resolve("deploy/prometheus/alerts.yml")));
    Map<String, String> rules = new LinkedHashMap<>();
    for (Object g : (List<Object>) file.get("groups")) {
      for (Object r : (List<Object>) ((Map<String, Object>) g).get("rules")) {
        Map<String, Object> rule = (Map<String, Object>) r;
        rules.put(String.valueOf(rule.get("alert")), String.valueOf(rule.get("expr")));
      }
    }
    return rules;
  }

  /** "dashboard / panel title" → the panel's query expressions, from every JSON file in deploy/grafana/dashboards. */
  static Map<String, List<String>> dashboardQueries() throws IOException {
    Map<String, List<String>> queries = new LinkedHashMap<>();
    List<Path> files;
    try (var s = Files.list(root().resolve("deploy/grafana/dashboards"))) {
      files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    for (Path f : files) {
      JsonNode d = new ObjectMapper().readTree(f.toFile());
      collectPanels(d.path("title").asText(f.getFileName().toString()), d.path("panels"), queries);
    }
    return queries;
  }

  private static void collectPanels(String dashboard, JsonNode panels, Map<String, List<String>> into) {
    for (JsonNode p : panels) {
      List<String> exprs = new ArrayList<>();
      p.path("targets").forEach(t -> {
        if (t.hasNonNull("expr")) {
          exprs.add(t.get("expr").asText());
        }
      });
      into.put(dashboard + " / " + p.path("title").asText(), exprs);
      collectPanels(dashboard, p.path("panels"), into); // rows hold panels of their own
    }
  }

  /**
   * The metric names a PromQL expression reads: what is left once strings, label matchers, ranges and grouping
   * clauses are gone, less function calls, keywords and numbers.
   */
  static Set<String> metricNames(String promql) {
    String s = STRING.matcher(promql).replaceAll(" ");
    s = MATCHERS.matcher(s).replaceAll(" ");
    s = RANGE.matcher(s).replaceAll(" ");
    s = GROUPING.matcher(s).replaceAll(" ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(s);
    while (m.find()) {
      String word = m.group();
      int after = m.end();
      while (after < s.length() && Character.isWhitespace(s.charAt(after))) {
        after++;
      }
      boolean call = after < s.length() && s.charAt(after) == '(';
      boolean number = m.start() > 0 && (Character.isDigit(s.charAt(m.start() - 1)) || s.charAt(m.start() - 1) == '.');
      if (!call && !number && !KEYWORDS.contains(word.toLowerCase())) {
        names.add(word);
      }
    }
    return names;
  }

  /** Sample names in a Prometheus text exposition ({@code name{labels} value} lines). */
  static Set<String> exposedNames(String exposition) {
    Set<String> names = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = IDENTIFIER.matcher(line);
      if (m.lookingAt()) {
        names.add(m.group());
      }
    }
    return names;
  }
}
