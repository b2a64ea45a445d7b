package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.runtime.ServiceFactory;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * No container engine runs the deployment files in the build, so they are checked against the code and the
 * documentation: {@code docker-compose.yml} (every service run from the one image the Dockerfile builds, its command
 * naming it, healthy when ready, only documented config keys, pinned images, host ports on loopback and distinct,
 * existing dependencies), the {@code Dockerfile} and its entrypoint (the services they know are the ones registered
 * as {@link ServiceFactory}, with their health ports) and the monitoring under {@code deploy/} (Prometheus scrapes
 * every service, Grafana reads Prometheus; the metric names the alerts and the dashboard read are checked against
 * what the services export by {@code EndToEndIT}).
 */
class ComposeFileTest {
  private static final Pattern ENV_NAME = Pattern.compile("`(WHODROVE_[A-Z0-9_]+\\*?)`");
  private static final Set<String> DEPENDENCY_CONDITIONS =
      Set.of("service_started", "service_healthy", "service_completed_successfully");

  private static Path root;
  private static Map<String, ServiceFactory> factories;
  private static Map<String, Object> services;
  private static String dockerfile;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws IOException {
    root = repoRoot();
    factories = new TreeMap<>();
    ServiceFactory.all().forEach(f -> factories.put(f.name(), f));
    Map<String, Object> compose = new Yaml().load(Files.readString(root.resolve("docker-compose.yml")));
    services = (Map<String, Object>) compose.get("services");
    dockerfile = Files.readString(root.resolve("Dockerfile"));
  }

  @Test
  void everyServiceModuleIsOnTheClassPathAsServiceFactory() throws IOException {
    assertThat(factories.keySet()).as("service modules of the reactor (they register a ServiceFactory)")
        .containsExactlyInAnyOrderElementsOf(serviceModules());
  }

  @Test
  void everyServiceModuleRunsFromTheOneImageItsCommandNames() {
    Set<String> images = new TreeSet<>();
    Set<Map<String, Object>> builds = new java.util.HashSet<>();
    for (String name : factories.keySet()) {
      Map<String, Object> service = map(services.get(name));
      assertThat(service).as("compose service %s", name).isNotNull();
      assertThat(list(service.get("command"))).as("%s command", name).containsExactly(name);
      images.add(String.valueOf(service.get("image")));
      Map<String, Object> build = map(service.get("build"));
      assertThat(build).as("%s is built from the root Dockerfile", name).isNotNull();
      assertThat(String.valueOf(build.get("context"))).as("%s build context", name).isEqualTo(".");
      assertThat(build.getOrDefault("dockerfile", "Dockerfile")).as("%s dockerfile", name).isEqualTo("Dockerfile");
      assertThat(build).as("%s: the service is chosen at run time, not at build time", name)
          .doesNotContainKey("args");
      builds.add(build);
    }
    assertThat(images).as("one image for every service").hasSize(1);
    assertThat(builds).as("one build for every service").hasSize(1);
    // and nothing else is built: the other containers are pinned images
    services.forEach((name, s) -> {
      if (map(s).containsKey("build")) {
        assertThat(factories).as("compose service %s is built but is no service module", name).containsKey(name);
      }
    });
  }

  @Test
  void everyServiceIsHealthyWhenReady() throws IOException {
    String entrypoint = Files.readString(root.resolve("deploy/docker/service"));
    assertThat(entrypoint).as("the healthcheck asks /readyz").contains("GET /readyz ").doesNotContain("/healthz");
    for (String name : factories.keySet()) {
      Map<String, Object> healthcheck = map(map(services.get(name)).get("healthcheck"));
      assertThat(healthcheck).as("%s healthcheck", name).isNotNull();
      assertThat(list(healthcheck.get("test"))).as("%s healthcheck", name)
          .containsExactly("CMD", "/app/service", "--ready");
    }
  }

  @Test
  void everyWhodroveVariableIsADocumentedConfigKey() throws IOException {
    Set<String> documented = documentedEnvVars();
    assertThat(documented).as("env vars found in the README config tables")
        .contains("WHODROVE_KAFKA_BOOTSTRAP_SERVERS", "WHODROVE_SCHEMA_REGISTRY_URL", "WHODROVE_SINK_DB_PATH");
    List<String> prefixes = documented.stream().filter(v -> v.endsWith("*"))
        .map(v -> v.substring(0, v.length() - 1)).collect(Collectors.toList());
    assertThat(prefixes).contains("WHODROVE_KAFKA_");
    Map<String, List<String>> undocumented = new TreeMap<>();
    services.forEach((name, s) -> keyValues(map(s).get("environment")).keySet().stream()
        .filter(k -> k.startsWith("WHODROVE_"))
        .filter(k -> !documented.contains(k) && prefixes.stream().noneMatch(k::startsWith))
        .forEach(k -> undocumented.computeIfAbsent(name, n -> new ArrayList<>()).add(k)));
    assertThat(undocumented).as("WHODROVE_* variables set in docker-compose.yml without a README config row")
        .isEmpty();
  }

  @Test
  void imagesArePinned() {
    services.forEach((name, s) -> {
      Map<String, Object> service = map(s);
      Object image = service.get("image");
      if (image == null) {
        assertThat(service).as("%s has neither image nor build", name).containsKey("build");
        return;
      }
      String ref = image.toString();
      if (ref.contains("@sha256:")) {
        return;
      }
      String lastPart = ref.substring(ref.lastIndexOf('/') + 1);
      assertThat(lastPart).as("image of %s has a tag", name).contains(":");
      String tag = lastPart.substring(lastPart.indexOf(':') + 1);
      assertThat(tag).as("image tag of %s", name).isNotBlank().isNotEqualToIgnoringCase("latest")
          .doesNotContain("$");
    });
  }

  @Test
  void hostPortsBindLoopbackAreDistinctAndHealthPortsPublished() {
    Map<String, String> owner = new HashMap<>();
    services.forEach((name, s) -> {
      Object ports = map(s).get("ports");
      List<Object> list = ports == null ? List.of() : list(ports);
      Set<Integer> containerPorts = new TreeSet<>();
      for (Object p : list) {
        String host;
        String container;
        if (p instanceof Map) {
          Map<String, Object> m = map(p);
          host = String.valueOf(m.get("published"));
          container = String.valueOf(m.get("target"));
          assertThat(String.valueOf(m.get("host_ip"))).as("%s publishes %s on", name, p).isEqualTo("127.0.0.1");
        } else {
          String[] parts = p.toString().replaceAll("/(tcp|udp)$", "").split(":");
          assertThat(parts.length).as("%s publishes %s as 127.0.0.1:host:container", name, p).isEqualTo(3);
          assertThat(parts[0]).as("%s publishes %s on (this machine only)", name, p).isEqualTo("127.0.0.1");
          host = parts[1];
          container = parts[2];
        }
        String previous = owner.put(host, name);
        assertThat(previous).as("host port %s of %s is also published by %s", host, name, previous).isNull();
        containerPorts.add(Integer.parseInt(container));
      }
      ServiceFactory f = factories.get(name);
      if (f != null && !keyValues(map(s).get("environment")).containsKey("WHODROVE_HTTP_PORT")) {
        assertThat(containerPorts).as("%s publishes its health port", name).contains(f.defaultHttpPort());
      }
    });
  }

  @Test
  void dependenciesExistAndHealthyOnesHaveAHealthcheck() {
    boolean imageHealthcheck = dockerfile.lines().anyMatch(l -> l.startsWith("HEALTHCHECK "));
    services.forEach((name, s) -> {
      Object dependsOn = map(s).get("depends_on");
      if (dependsOn == null) {
        return;
      }
      Map<String, String> conditions = new LinkedHashMap<>();
      if (dependsOn instanceof Map) {
        map(dependsOn).forEach((target, spec) ->
            conditions.put(target, spec == null ? "service_started"
                : String.valueOf(map(spec).getOrDefault("condition", "service_started"))));
      } else {
        list(dependsOn).forEach(target -> conditions.put(target.toString(), "service_started"));
      }
      conditions.forEach((target, condition) -> {
        assertThat(services).as("%s depends on %s", name, target).containsKey(target);
        assertThat(DEPENDENCY_CONDITIONS).as("condition of %s -> %s", name, target).contains(condition);
        if (condition.equals("service_healthy")) {
          Map<String, Object> t = map(services.get(target));
          boolean healthcheck = t.containsKey("healthcheck") || (t.containsKey("build") && imageHealthcheck);
          assertThat(healthcheck).as("%s waits for %s to be healthy: it needs a healthcheck", name, target).isTrue();
        }
      });
    });
  }

  @Test
  void phaseTwoIsOptIn() {
    assertThat(list(map(services.get("llm-scorer")).get("profiles"))).containsExactly("phase2");
    services.forEach((name, s) -> {
      if (!name.equals("llm-scorer")) {
        assertThat(map(s)).as("%s starts by default", name).doesNotContainKey("profiles");
      }
    });
  }

  @Test
  void theImageKnowsExactlyTheRegisteredServicesAndTheirHealthPorts() throws IOException {
    String entrypoint = Files.readString(root.resolve("deploy/docker/service"));
    Map<String, Integer> ports = new TreeMap<>();
    Matcher m = Pattern.compile("(?m)^\\s*([a-z][a-z0-9-]*)\\) port=(\\d+) ;;").matcher(entrypoint);
    while (m.find()) {
      ports.put(m.group(1), Integer.parseInt(m.group(2)));
    }
    Map<String, Integer> expected = new TreeMap<>();
    factories.forEach((name, f) -> expected.put(name, f.defaultHttpPort()));
    assertThat(ports).as("service -> health port in deploy/docker/service").isEqualTo(expected);

    // the Dockerfile builds every module that registers a ServiceFactory, found when it builds
    assertThat(dockerfile).contains("META-INF/services/dev.whodrove.runtime.ServiceFactory")
        .contains("COPY --chmod=755 deploy/docker/service /app/service")
        .contains("ENTRYPOINT [\"/app/service\"]")
        .contains("HEALTHCHECK ").contains("CMD [\"/app/service\", \"--ready\"]")
        .doesNotContain("ARG SERVICE").doesNotContainPattern("mvn [^\\n]*\\binstall\\b");
    List<String> from = dockerfile.lines().filter(l -> l.startsWith("FROM ")).toList();
    assertThat(from.get(from.size() - 1)).as("the runtime image is a JRE").matches("FROM eclipse-temurin:\\S+-jre");
    String user = dockerfile.lines().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElse("USER root");
    assertThat(user).as("the image runs as").isNotIn("USER root", "USER 0");
  }

  @Test
  void prometheusScrapesEveryServiceAndGrafanaReadsIt() throws IOException {
    Map<String, Object> prometheus = new Yaml().load(
        Files.readString(root.resolve("deploy/prometheus/prometheus.yml")));
    Map<String, Integer> targets = new TreeMap<>();
    for (Object job : list(prometheus.get("scrape_configs"))) {
      Map<String, Object> j = map(job);
      assertThat(j.getOrDefault("metrics_path", "/metrics")).isEqualTo("/metrics");
      for (Object sc : list(j.getOrDefault("static_configs", List.of()))) {
        for (Object t : list(map(sc).get("targets"))) {
          String[] hostPort = t.toString().split(":");
          targets.put(hostPort[0], Integer.parseInt(hostPort[1]));
        }
      }
      for (Object dns : list(j.getOrDefault("dns_sd_configs", List.of()))) {
        for (Object n : list(map(dns).get("names"))) {
          targets.put(n.toString(), (Integer) map(dns).get("port"));
        }
      }
    }
    Map<String, Integer> expected = new TreeMap<>();
    factories.forEach((name, f) -> expected.put(name, f.defaultHttpPort()));
    assertThat(targets).as("Prometheus targets: every service on its health port").isEqualTo(expected);
    assertThat(list(prometheus.get("rule_files"))).containsExactly("/etc/prometheus/alerts.yml");

    Map<String, Object> prom = map(services.get("prometheus"));
    assertThat(list(prom.get("volumes"))).contains("./deploy/prometheus:/etc/prometheus:ro");
    Map<String, Object> grafana = map(services.get("grafana"));
    assertThat(list(grafana.get("volumes"))).contains("./deploy/grafana/provisioning:/etc/grafana/provisioning:ro",
        "./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro");
    Map<String, Object> datasources = new Yaml().load(
        Files.readString(root.resolve("deploy/grafana/provisioning/datasources/prometheus.yml")));
    Map<String, Object> ds = map(list(datasources.get("datasources")).get(0));
    assertThat(ds).containsEntry("type", "prometheus").containsEntry("uid", "prometheus")
        .containsEntry("url", "http://prometheus:9090");
    Map<String, Object> dashboards = new Yaml().load(
        Files.readString(root.resolve("deploy/grafana/provisioning/dashboards/whodrove.yml")));
    assertThat(map(map(list(dashboards.get("providers")).get(0)).get("options")))
        .containsEntry("path", "/var/lib/grafana/dashboards");
  }

  @Test
  void theAlertsAndTheDashboardCoverWhatAnOperatorWatches() throws IOException {
    Map<String, String> alerts = MonitoringFiles.alertRules();
    assertThat(alerts).containsOnlyKeys("WhodroveConsumerLagGrowing", "WhodroveDeadLetters",
        "WhodroveServiceNotReady", "WhodroveLlmBudgetExhausted");
    assertThat(MonitoringFiles.metricNames(alerts.get("WhodroveDeadLetters")))
        .containsExactly("whodrove_dead_letters_total");
    assertThat(MonitoringFiles.metricNames(alerts.get("WhodroveServiceNotReady")))
        .containsExactlyInAnyOrder("whodrove_service_ready", "up");
    assertThat(MonitoringFiles.metricNames(alerts.get("WhodroveConsumerLagGrowing")))
        .containsExactlyInAnyOrder("whodrove_worker_records_lag", "kafka_consumer_fetch_manager_records_lag_max");

    Map<String, List<String>> panels = MonitoringFiles.dashboardQueries();
    Map<String, Set<String>> read = new TreeMap<>();
    panels.forEach((panel, exprs) -> exprs.forEach(e ->
        read.computeIfAbsent(panel, k -> new TreeSet<>()).addAll(MonitoringFiles.metricNames(e))));
    assertThat(read).as("dashboard panels and the metrics they read").hasEntrySatisfying(
        "whodrove / Verdicts per second by operator.type",
        m -> assertThat(m).contains("whodrove_classifier_verdicts_total"));
    assertThat(String.join("\n", panels.values().stream().flatMap(List::stream).toList()))
        .contains("by (operator_type)").contains("by (service, topic, reason)")
        .contains("whodrove_decoder_decode_time_seconds_bucket")
        .contains("whodrove_classifier_verdict_latency_seconds_bucket")
        .contains("kafka_consumer_fetch_manager_records_lag_max").contains("whodrove_worker_records_lag");
  }

  @Test
  void promQlMetricNamesAreWhatTheExpressionReads() {
    assertThat(MonitoringFiles.metricNames("histogram_quantile(0.99, sum by (le) (rate("
        + "whodrove_decoder_decode_time_seconds_bucket{service=~\"rec.*\", le!=\"+Inf\"}[$__rate_interval])))"))
        .containsExactly("whodrove_decoder_decode_time_seconds_bucket");
    assertThat(MonitoringFiles.metricNames("max by (service) (a_lag or b_lag) > 1e3 and deriv(max by (service) "
        + "(a_lag)[15m:1m]) > 0 unless on (service) group_left (x) c_total offset 5m"))
        .containsExactlyInAnyOrder("a_lag", "b_lag", "c_total");
    assertThat(MonitoringFiles.metricNames("sum without (instance) (rate(x_total[5m])) * 60 > bool 1"))
        .containsExactly("x_total");
  }

  @Test
  void everyServiceJarManifestNamesARunnableMainClass() throws Exception {
    Pattern mainClass = Pattern.compile("<mainClass>([^<]+)</mainClass>");
    for (String name : factories.keySet()) {
      String pom = Files.readString(root.resolve(name).resolve("pom.xml"));
      Matcher m = mainClass.matcher(pom);
      assertThat(m.find()).as("%s/pom.xml sets the jar manifest's Main-Class", name).isTrue();
      assertThat(pom).as("%s manifest class path", name)
          .contains("<addClasspath>true</addClasspath>").contains("<classpathPrefix>lib/</classpathPrefix>");
      Method main = Class.forName(m.group(1)).getMethod("main", String[].class);
      assertThat(Modifier.isStatic(main.getModifiers())).as("%s main is static", m.group(1)).isTrue();
    }
  }

  /** Env vars of every config table (a Markdown table whose header names an env column) in the READMEs. */
  private static Set<String> documentedEnvVars() throws IOException {
    Set<String> vars = new TreeSet<>();
    List<Path> readmes = new ArrayList<>();
    readmes.add(root.resolve("README.md"));
    for (String module : factories.keySet()) {
      readmes.add(root.resolve(module).resolve("README.md"));
    }
    for (Path readme : readmes) {
      int envColumn = -1;
      int found = 0;
      for (String line : Files.readAllLines(readme)) {
        if (!line.startsWith("|")) {
          envColumn = -1;
          continue;
        }
        List<String> cells = cells(line);
        if (envColumn < 0) {
          for (int i = 0; i < cells.size(); i++) {
            String header = cells.get(i).toLowerCase();
            if (header.equals("env var") || header.equals("environment variable")) {
              envColumn = i;
            }
          }
          continue;
        }
        if (envColumn < cells.size()) {
          Matcher m = ENV_NAME.matcher(cells.get(envColumn));
          while (m.find()) {
            vars.add(m.group(1));
            found++;
          }
        }
      }
      assertThat(found).as("config table rows in %s", root.relativize(readme)).isPositive();
    }
    return vars;
  }

  /** Cells of a Markdown table row; {@code \|} inside a cell is not a separator. */
  private static List<String> cells(String row) {
    String body = row.trim();
    body = body.substring(1, body.endsWith("|") ? body.length() - 1 : body.length());
    List<String> cells = new ArrayList<>();
    for (String c : body.split("(?<!\\\\)\\|", -1)) {
      cells.add(c.trim());
    }
    return cells;
  }

  /** Service modules of the reactor: the root pom's modules that register a ServiceFactory. */
  private static Set<String> serviceModules() throws IOException {
    Set<String> modules = new TreeSet<>();
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(root.resolve("pom.xml")));
    while (m.find()) {
      if (Files.exists(root.resolve(m.group(1))
          .resolve("src/main/resources/META-INF/services/dev.whodrove.runtime.ServiceFactory"))) {
        modules.add(m.group(1));
      }
    }
    return modules;
  }

  private static Path repoRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("docker-compose.yml"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("a parent directory with docker-compose.yml").isNotNull();
    return dir;
  }

  /** Compose's two spellings of environment/args: a map, or a list of {@code KEY=VALUE}. */
  private static Map<String, String> keyValues(Object value) {
    Map<String, String> out = new LinkedHashMap<>();
    if (value instanceof Map) {
      map(value).forEach((k, v) -> out.put(k, v == null ? null : String.valueOf(v)));
    } else if (value instanceof List) {
      for (Object item : list(value)) {
        String s = item.toString();
        int eq = s.indexOf('=');
        out.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? null : s.substring(eq + 1));
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return (List<Object>) o;
  }
}
