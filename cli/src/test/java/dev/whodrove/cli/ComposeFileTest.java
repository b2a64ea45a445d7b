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
 * documentation: {@code docker-compose.yml} (every service built from the Dockerfile with its SERVICE, only
 * documented config keys, pinned images, distinct host ports, existing dependencies) and the {@code Dockerfile}
 * (the services it knows are the ones registered as {@link ServiceFactory}, with their health ports).
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
  void everyServiceModuleIsAComposeServiceBuiltWithItsServiceArg() {
    for (String name : factories.keySet()) {
      Map<String, Object> service = map(services.get(name));
      assertThat(service).as("compose service %s", name).isNotNull();
      Map<String, Object> build = map(service.get("build"));
      assertThat(build).as("%s is built from the root Dockerfile", name).isNotNull();
      assertThat(String.valueOf(build.get("context"))).as("%s build context", name).isEqualTo(".");
      assertThat(build.getOrDefault("dockerfile", "Dockerfile")).as("%s dockerfile", name).isEqualTo("Dockerfile");
      assertThat(keyValues(build.get("args"))).as("%s build args", name).containsEntry("SERVICE", name);
    }
    // and nothing else is built with a SERVICE the Dockerfile does not know
    services.forEach((name, s) -> {
      Map<String, Object> build = map(map(s).get("build"));
      if (build != null) {
        assertThat(factories).as("compose service %s builds SERVICE=%s", name, keyValues(build.get("args")))
            .containsKey(keyValues(build.get("args")).get("SERVICE"));
      }
    });
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
  void hostPortsAreDistinctAndHealthPortsPublished() {
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
        } else {
          String[] parts = p.toString().replaceAll("/(tcp|udp)$", "").split(":");
          assertThat(parts.length).as("%s publishes %s as host:container", name, p).isGreaterThanOrEqualTo(2);
          host = parts[parts.length - 2];
          container = parts[parts.length - 1];
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
  void dockerfileKnowsExactlyTheRegisteredServicesAndTheirHealthPorts() {
    Map<String, Integer> ports = new TreeMap<>();
    Matcher m = Pattern.compile("(?m)^\\s*([a-z][a-z0-9-]*)\\) port=(\\d+) ;;").matcher(dockerfile);
    while (m.find()) {
      ports.put(m.group(1), Integer.parseInt(m.group(2)));
    }
    Map<String, Integer> expected = new TreeMap<>();
    factories.forEach((name, f) -> expected.put(name, f.defaultHttpPort()));
    assertThat(ports).as("SERVICE -> health port in the Dockerfile").isEqualTo(expected);

    Matcher listed = Pattern.compile("# SERVICE is a module name: ([^.]*)\\.").matcher(dockerfile);
    assertThat(listed.find()).as("the Dockerfile header lists the SERVICE values").isTrue();
    Set<String> names = Set.of(listed.group(1).replace("#", " ").trim().split("\\s*,\\s*"));
    assertThat(names).containsExactlyInAnyOrderElementsOf(factories.keySet());

    assertThat(dockerfile).contains("HEALTHCHECK ").contains("/healthz")
        .contains("ENTRYPOINT [\"java\", \"-XX:MaxRAMPercentage=75\", \"-jar\", \"/app/app.jar\"]");
    String user = dockerfile.lines().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElse("USER root");
    assertThat(user).as("the image runs as").isNotIn("USER root", "USER 0");
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
