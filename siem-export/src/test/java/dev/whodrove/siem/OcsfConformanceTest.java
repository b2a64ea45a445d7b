package dev.whodrove.siem;

import static dev.whodrove.siem.Verdicts.CORRELATOR;
import static dev.whodrove.siem.Verdicts.P2;
import static dev.whodrove.siem.Verdicts.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.schemas.v1.MergedVerdict;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every finding siem-export renders for a set of sessions (each producer, each substrate, Create and Update, a
 * person's override, a handoff, stamps before features) against the attributes OCSF {@value OcsfFinding#OCSF_VERSION}
 * defines for class 2004 Detection Finding and the objects it uses, as listed in
 * {@code ocsf-1.4.0-detection-finding.json} (taken from the OCSF schema at tag 1.4.0, which it cites): every required
 * attribute present, every recommended one present unless it is one of the documented omissions below, no attribute
 * the version does not define, types and enumerated ids as the schema says, the objects' own required attributes and
 * at-least-one constraints.
 */
class OcsfConformanceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RELEASE = "9.8.7";
  private static JsonNode schema;

  /** Recommended class attributes a finding may leave out, and when (siem-export/README.md, OCSF mapping). */
  private static final Map<String, Predicate<MergedVerdict>> CLASS_OMISSIONS = Map.of(
      "status_code", v -> true, // whodrove makes the finding itself: there is no source status code
      "status_detail", v -> true,
      "device", v -> !v.getFeatures().hasTeleport() || v.getFeatures().getTeleport().getServerHostname().isEmpty(),
      "evidences", v -> !v.hasFeatures());
  /** Recommended attributes of these objects are checked too; the omissions allowed there. */
  private static final Map<String, Set<String>> OBJECT_OMISSIONS = Map.of(
      "finding_info", Set.of(),
      "metadata", Set.of("original_time", "tenant_uid"), // findings are made, not collected; no tenant concept
      "product", Set.of("uid"),
      "analytic", Set.of());

  /** One rendered finding and the view it renders. */
  record Rendering(String scenario, MergedVerdict view, JsonNode finding) {}

  @BeforeAll
  static void loadSchema() throws Exception {
    try (InputStream in = OcsfConformanceTest.class.getResourceAsStream("/ocsf-1.4.0-detection-finding.json")) {
      schema = JSON.readTree(in);
    }
    assertThat(schema.path("version").asText()).isEqualTo(OcsfFinding.OCSF_VERSION);
    assertThat(schema.path("_source").asText()).contains("tag " + OcsfFinding.OCSF_VERSION);
  }

  /** Runs verdicts through the merge step as the topology does and renders each finding. */
  static List<Rendering> render(String scenario, boolean humanFindings, SessionVerdict... verdicts) {
    List<Rendering> out = new ArrayList<>();
    MergedVerdict view = null;
    long t = T0;
    for (SessionVerdict v : verdicts) {
      var update = MergeProcessor.next(view, v, t++, true, humanFindings);
      if (update.isEmpty()) {
        continue;
      }
      view = update.get().view();
      if (update.get().findingActivity() != 0) {
        try {
          out.add(new Rendering(scenario, view, JSON.readTree(
              OcsfFinding.render(view, update.get().findingActivity(), RELEASE))));
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }
    }
    return out;
  }

  static List<Rendering> all() {
    List<Rendering> r = new ArrayList<>();
    r.addAll(render("teleport agent, phase 2, correlator, person", false,
        Verdicts.phase1("t1", "agent", "kimi-k2.6", T0),
        Verdicts.stamps("t1", P2, T0 + 60_000, "agent.tool", "claude-code", "work.kind", "data-exfil",
            "confidence.agent-tool", "0.8"),
        Verdicts.stamps("t1", CORRELATOR, T0 + 90_000, "correlation.gcp-session", "gcp-1"),
        Verdicts.stamps("t1", "manual:analyst-7", T0 + 120_000, "operator.type", "human")));
    r.addAll(render("gcp agent", false, Verdicts.gcp("g1", "agent", T0)));
    r.addAll(render("gcp unknown", false, Verdicts.gcp("g2", "unknown", T0)));
    r.addAll(render("human, asked for", true, Verdicts.phase1("h1", "human", null, T0)));
    r.addAll(render("handoff", false, Verdicts.phase1("h2", "human", null, T0).toBuilder()
        .addLabels(Verdicts.label("cadence.handoff", "true", Verdicts.CADENCE, T0)).build()));
    r.addAll(render("a person first, features later", false,
        Verdicts.stamps("m1", "manual:analyst-7", T0, "operator.type", "agent"),
        Verdicts.phase1("m1", "agent", "opus-4.6", T0 + 1)));
    return r;
  }

  @Test
  void everyFindingHasTheAttributesOfClass2004InTheDeclaredVersion() {
    List<Rendering> renderings = all();
    assertThat(renderings).hasSizeGreaterThanOrEqualTo(9);
    JsonNode cls = schema.path("class");
    for (Rendering r : renderings) {
      String where = r.scenario() + " #" + r.view().getSequence();
      JsonNode f = r.finding();
      assertThat(f.path("class_uid").asInt()).as(where).isEqualTo(schema.path("class_uid").asInt());
      assertThat(f.path("category_uid").asInt()).as(where).isEqualTo(schema.path("category_uid").asInt());
      assertThat(f.path("type_uid").asLong()).as(where).isEqualTo(2004 * 100L + f.path("activity_id").asInt());
      assertThat(f.path("metadata").path("version").asText()).as(where).isEqualTo(schema.path("version").asText());
      Set<String> omitted = new java.util.TreeSet<>();
      CLASS_OMISSIONS.forEach((name, when) -> {
        if (when.test(r.view())) {
          omitted.add(name);
        }
      });
      checkObject(where, "", f, cls.path("attributes"), cls.path("constraints"), omitted, true);
    }
  }

  private void checkObject(String where, String path, JsonNode node, JsonNode attributes, JsonNode constraints,
      Set<String> omissions, boolean checkRecommended) {
    for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> a = it.next();
      String req = a.getValue().path("requirement").asText();
      String name = path + a.getKey();
      if (req.equals("required")) {
        assertThat(node.has(a.getKey())).as("%s: required %s", where, name).isTrue();
      } else if (req.equals("recommended") && checkRecommended && !omissions.contains(a.getKey())) {
        assertThat(node.has(a.getKey())).as("%s: recommended %s", where, name).isTrue();
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = path + field.getKey();
      JsonNode spec = attributes.get(field.getKey());
      assertThat(spec).as("%s: %s is an attribute of OCSF %s", where, name, schema.path("version").asText())
          .isNotNull();
      checkValue(where, name, field.getValue(), spec);
    }
    JsonNode oneOf = constraints.path("at_least_one");
    if (oneOf.isArray() && !oneOf.isEmpty()) {
      boolean any = false;
      for (JsonNode n : oneOf) {
        any |= node.has(n.asText());
      }
      assertThat(any).as("%s: %s has one of %s", where, path, oneOf).isTrue();
    }
  }

  private void checkValue(String where, String name, JsonNode value, JsonNode spec) {
    if (spec.path("is_array").asBoolean()) {
      assertThat(value.isArray()).as("%s: %s is an array", where, name).isTrue();
      int i = 0;
      for (JsonNode item : value) {
        checkScalarOrObject(where, name + "[" + i++ + "]", item, spec);
      }
      return;
    }
    checkScalarOrObject(where, name, value, spec);
  }

  private void checkScalarOrObject(String where, String name, JsonNode value, JsonNode spec) {
    String type = spec.path("type").asText();
    String base = schema.path("types").path(type).asText(type);
    switch (base) {
      case "integer_t", "long_t" -> assertThat(value.isIntegralNumber()).as("%s: %s is %s", where, name, type).isTrue();
      case "float_t" -> assertThat(value.isNumber()).as("%s: %s is %s", where, name, type).isTrue();
      case "string_t" -> assertThat(value.isTextual()).as("%s: %s is %s", where, name, type).isTrue();
      case "boolean_t" -> assertThat(value.isBoolean()).as("%s: %s is %s", where, name, type).isTrue();
      case "json_t" -> { } // any JSON
      case "object" -> assertThat(value.isObject()).as("%s: %s is an object", where, name).isTrue();
      default -> {
        assertThat(value.isObject()).as("%s: %s is a %s object", where, name, type).isTrue();
        JsonNode object = schema.path("objects").path(type);
        assertThat(object.isMissingNode()).as("%s: the resource lists object %s", where, type).isFalse();
        Set<String> omissions = OBJECT_OMISSIONS.getOrDefault(type, Set.of());
        checkObject(where, name + ".", value, object.path("attributes"), object.path("constraints"), omissions,
            OBJECT_OMISSIONS.containsKey(type));
      }
    }
    if (spec.has("enum")) {
      List<Integer> ids = new ArrayList<>();
      spec.path("enum").forEach(n -> ids.add(n.asInt()));
      assertThat(ids).as("%s: %s = %s is a defined id", where, name, value).contains(value.asInt());
    }
  }

  @Test
  void oneFindingPerSessionCreatedOnceThenUpdated() {
    List<Rendering> t1 = all().stream().filter(r -> r.scenario().startsWith("teleport")).toList();
    assertThat(t1).extracting(r -> r.finding().path("activity_id").asInt()).containsExactly(1, 2, 2, 2);
    assertThat(t1).extracting(r -> r.finding().path("finding_info").path("uid").asText())
        .containsOnly("whodrove:session:t1");
    assertThat(t1).extracting(r -> r.finding().path("metadata").path("uid").asText()).doesNotHaveDuplicates();
    assertThat(t1).extracting(r -> r.finding().path("metadata").path("product").path("version").asText())
        .containsOnly(RELEASE);
    JsonNode first = t1.get(0).finding();
    assertThat(first.path("finding_info").path("analytic").path("uid").asText()).isEqualTo("phase1-classifier@v1");
    assertThat(first.path("finding_info").path("analytic").path("type_id").asInt()).isEqualTo(1);
    assertThat(first.path("severity_id").asInt()).isEqualTo(3);
    assertThat(first.path("is_alert").asBoolean()).isTrue();
    assertThat(t1.get(1).finding().path("severity_id").asInt()).as("an agent exfiltrating data").isEqualTo(4);
    assertThat(t1.get(3).finding().path("status_id").asInt()).as("a person said human").isEqualTo(3);
    assertThat(t1.get(3).finding().path("is_alert").asBoolean()).isFalse();
  }

  @Test
  void confidenceAndSeverityFollowTheLabels() {
    assertThat(OcsfFinding.confidenceId(null)).isZero();
    assertThat(OcsfFinding.confidenceId(0.3)).isEqualTo(1);
    assertThat(OcsfFinding.confidenceId(0.5)).isEqualTo(2);
    assertThat(OcsfFinding.confidenceId(0.8)).isEqualTo(3);
    Map<String, Integer> byScenario = new LinkedHashMap<>();
    all().forEach(r -> byScenario.putIfAbsent(r.scenario(), r.finding().path("confidence_id").asInt()));
    assertThat(byScenario).containsEntry("gcp agent", 2).containsEntry("teleport agent, phase 2, correlator, person", 3);
    assertThat(OcsfFinding.severityId(Map.of("operator.type", "agent"))).isEqualTo(3);
    assertThat(OcsfFinding.severityId(Map.of("operator.type", "unknown"))).isEqualTo(2);
    assertThat(OcsfFinding.severityId(Map.of("operator.type", "human"))).isEqualTo(1);
    assertThat(OcsfFinding.severityId(Map.of("operator.type", "human", "cadence.handoff", "true"))).isEqualTo(4);
    assertThat(OcsfFinding.severityId(Map.of())).isZero();
  }
}
