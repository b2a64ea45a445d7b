package dev.whodrove.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.whodrove.correlator.CorrelationEngine;
import dev.whodrove.correlator.CorrelatorConfig;
import dev.whodrove.correlator.IdentityBridge;
import dev.whodrove.correlator.IdentityState;
import dev.whodrove.correlator.SessionSide;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.schemas.JsonRender;
import dev.whodrove.schemas.v1.CadenceSegment;
import dev.whodrove.schemas.v1.Correlation;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Offline cross-substrate correlation of {@code parse --json} outputs, with the correlator service's own classes. */
@Command(name = "correlate", mixinStandardHelpOptions = true,
    description = {"Pair Teleport sessions with GCP synthetic sessions and gcloud bursts of the same identity whose "
        + "intervals overlap, offline, with the code the correlator service runs.",
        "Inputs are what `parse --json` (Teleport) and `parse --gcp --json` (GCP) print. Each pair is scored and "
            + "tiered (high, medium, low) as in docs/classifier.md; a line that cannot be read prints one error line "
            + "on stderr, the others still count, and the exit status is 1."})
public final class CorrelateCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFormat.Parser PROTO = JsonFormat.parser().ignoringUnknownFields();

  @Option(names = "--teleport", required = true, paramLabel = "T.jsonl", description = "`parse --json` output.")
  Path teleport;

  @Option(names = "--gcp", required = true, paramLabel = "G.jsonl", description = "`parse --gcp --json` output.")
  Path gcp;

  @Option(names = "--identity-map", paramLabel = "FILE",
      description = "Identity rules, one a line: teleport:<name> = <identity>, gcp:<principal> = <identity>, "
          + "patterns with {name} (correlator/README.md).")
  Path identityMap;

  @Option(names = "--identity-rule", paramLabel = "RULE", description = "One more rule, e.g. "
      + "'teleport:{name} = {name}@corp.example' (repeatable; after the file's).")
  List<String> identityRules = new ArrayList<>();

  @Option(names = "--tolerance", defaultValue = "60s", paramLabel = "DURATION",
      description = "Slack on both edges of the intervals. Default: ${DEFAULT-VALUE}.")
  String tolerance;

  @Option(names = "--json", description = "One JSON object per pair.")
  boolean json;

  private int failures;

  @Override
  public Integer call() throws Exception {
    Duration slack;
    try {
      slack = ServiceConfig.parseDuration(tolerance);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("--tolerance " + tolerance + ": expected a duration like 60s or 2m");
    }
    if (slack.isNegative()) {
      throw new IllegalArgumentException("--tolerance " + tolerance + ": must not be negative");
    }
    IdentityBridge bridge = IdentityBridge.load(identityMap, identityRules);
    CorrelatorConfig config = CorrelatorConfig.defaults().withTolerance(slack).withBridge(bridge);

    List<SessionSide> sides = new ArrayList<>();
    Map<String, Integer> skipped = new TreeMap<>();
    read(teleport, sides, skipped);
    read(gcp, sides, skipped);
    skipped.forEach((why, n) -> System.err.printf("whodrove correlate: %d session(s) skipped: %s%n", n, why));

    List<Correlation> pairs = correlate(config, sides);
    if (json) {
      for (Correlation c : pairs) {
        System.out.println(render(c));
      }
    } else {
      table(pairs);
    }
    return failures == 0 ? 0 : 1;
  }

  /**
   * Every pair among {@code sides}, through the service's engine: sessions taken in order of their verdicts' time,
   * each identity's state in a map instead of a store, no retention (the files are the window).
   */
  static List<Correlation> correlate(CorrelatorConfig config, List<SessionSide> sides) {
    List<SessionSide> ordered = new ArrayList<>(sides);
    ordered.sort(Comparator.comparingLong(SessionSide::emittedAtMs).thenComparing(SessionSide::sessionId));
    CorrelationEngine engine = new CorrelationEngine(config);
    Map<String, IdentityState> states = new HashMap<>();
    Map<String, Correlation> current = new LinkedHashMap<>();
    for (SessionSide s : ordered) {
      IdentityBridge.Side side = s.kind() == SessionSide.Kind.TELEPORT ? IdentityBridge.Side.TELEPORT
          : IdentityBridge.Side.GCP;
      String identity = config.bridge().identity(side, s.user());
      CorrelationEngine.Outputs out = engine.apply(states.computeIfAbsent(identity, k -> new IdentityState()),
          s.withIdentity(identity), 0);
      out.upserts().forEach(c -> current.put(c.getCorrelationId(), c));
      out.removed().forEach(current::remove);
    }
    List<Correlation> pairs = new ArrayList<>(current.values());
    pairs.sort(Comparator.comparingLong((Correlation c) -> c.getTeleport().getStartedMs())
        .thenComparing(Correlation::getCorrelationId));
    return pairs;
  }

  private void read(Path file, List<SessionSide> sides, Map<String, Integer> skipped) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(file + ": not a readable file");
    }
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        try {
          SessionSide.Result result = SessionSide.of(verdict(JSON.readTree(line)));
          if (result.side() == null) {
            skipped.merge(result.skip().tag, 1, Integer::sum);
          } else {
            sides.add(result.side());
          }
        } catch (IOException | RuntimeException e) {
          failures++;
          System.err.println("whodrove correlate: " + file + ":" + n + ": " + (e.getMessage() == null
              ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("")));
        }
      }
    }
  }

  /** A phase-1 verdict from one line of {@code parse --json}: features (segments apart) and a flat label map. */
  static SessionVerdict verdict(JsonNode line) throws InvalidProtocolBufferException {
    JsonNode features = line.get("features");
    if (features == null || !features.isObject()) {
      throw new IllegalArgumentException("no features object (expected a line of `whodrove parse --json`)");
    }
    SessionFeatures.Builder f = SessionFeatures.newBuilder();
    PROTO.merge(features.toString(), f);
    JsonNode segments = line.path("segments");
    if (segments.isArray() && f.getSegmentsCount() == 0) {
      for (JsonNode s : segments) {
        CadenceSegment.Builder b = CadenceSegment.newBuilder();
        PROTO.merge(s.toString(), b);
        f.addSegments(b);
      }
    }
    String stage = CorrelatorConfig.DEFAULT_INPUT_STAGE;
    long at = f.getComputedAtMs() > 0 ? f.getComputedAtMs() : f.getEndedMs();
    SessionVerdict.Builder v = SessionVerdict.newBuilder().setSessionId(f.getSessionId()).setSubstrate(f.getSubstrate())
        .setFeatures(f).setStage(stage).setEmittedAtMs(at);
    for (Iterator<Map.Entry<String, JsonNode>> it = line.path("labels").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      v.addLabels(Label.newBuilder().setKey(e.getKey()).setValue(e.getValue().asText()).setSetBy(stage)
          .setSetAtMs(at));
    }
    return v.build();
  }

  /** The flat fields first, then both sides as the Correlation message renders them. */
  static ObjectNode render(Correlation c) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("correlation_id", c.getCorrelationId()).put("identity", c.getIdentity())
        .put("teleport_session_id", c.getTeleport().getSessionId()).put("gcp_session_id", c.getGcp().getSessionId())
        .put("gcp_substrate", c.getGcp().getSubstrate());
    if (c.getTeleport().hasSegmentIndex()) {
      n.put("teleport_segment", c.getTeleport().getSegmentIndex());
    } else {
      n.putNull("teleport_segment");
    }
    n.put("overlap_s", c.getOverlapS()).put("overlap_fraction", c.getOverlapFraction())
        .put("model_agreement", c.getModelAgreement()).put("joint_score", c.getJointScore()).put("tier", c.getTier())
        .put("tolerance_s", c.getToleranceS());
    n.set("teleport", side(c.getTeleport()));
    n.set("gcp", side(c.getGcp()));
    return n;
  }

  private static ObjectNode side(dev.whodrove.schemas.v1.CorrelatedSession s) throws IOException {
    ObjectNode n = (ObjectNode) JSON.readTree(JsonRender.compact(s));
    n.put("started_at", Instant.ofEpochMilli(s.getStartedMs()).toString());
    n.put("ended_at", Instant.ofEpochMilli(s.getEndedMs()).toString());
    return n;
  }

  private static void table(List<Correlation> pairs) {
    System.out.printf("%-30s %-6s %5s %8s  %-36s %-32s %-10s %s%n", "CORRELATION", "TIER", "SCORE", "OVERLAP",
        "TELEPORT SESSION", "GCP SESSION", "MODEL", "IDENTITY");
    for (Correlation c : pairs) {
      String teleportSide = c.getTeleport().getSessionId()
          + (c.getTeleport().hasSegmentIndex() ? " #" + c.getTeleport().getSegmentIndex() : "");
      String model = c.getModelAgreement() ? c.getTeleport().getModel() : "-";
      System.out.printf("%-30s %-6s %5.3f %7.0fs  %-36s %-32s %-10s %s%n", c.getCorrelationId(), c.getTier(),
          c.getJointScore(), c.getOverlapS(), teleportSide, c.getGcp().getSessionId(), model, c.getIdentity());
    }
    System.out.printf("%d correlation(s)%n", pairs.size());
  }
}
