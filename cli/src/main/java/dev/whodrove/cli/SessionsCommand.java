package dev.whodrove.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.sink.SessionDatabase;
import dev.whodrove.sink.SessionDetail;
import dev.whodrove.sink.SessionLabel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sessions show SID}. */
@Command(name = "sessions", mixinStandardHelpOptions = true, description = "Inspect sessions in the SQLite file.",
    subcommands = {SessionsCommand.Show.class})
public final class SessionsCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "One session: its features, labels with who set them, notable events, segments, cross-substrate "
          + "correlations.")
  static final class Show implements Callable<Integer> {
    @Parameters(paramLabel = "SESSION_ID") String sessionId;
    @Option(names = "--db", defaultValue = "sessions.sqlite", description = "Default: ${DEFAULT-VALUE}.") Path db;
    @Option(names = "--json", description = "One JSON object: session_id, columns (the sessions row, NULLs left "
        + "out), labels (key → value, set_by, set_at), notable_events, segments, gcp_minutes.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      try (SessionDatabase store = SessionDatabase.openReadOnly(LabelCommand.requireDb(db))) {
        SessionDetail d = store.showSession(sessionId)
            .orElseThrow(() -> new IllegalArgumentException("no session " + sessionId + " in " + db));
        if (json) {
          System.out.println(toJson(d));
          return 0;
        }
        System.out.println("session " + d.sessionId());
        d.columns().forEach((k, v) -> {
          if (v != null && !k.equals("session_id")) {
            System.out.printf("  %-28s %s%n", k, v);
          }
        });
        System.out.println("labels:");
        d.labels().forEach(l -> System.out.println("  " + LabelCommand.describe(l)));
        if (!d.notableEvents().isEmpty()) {
          System.out.println("notable events:");
          d.notableEvents().forEach(e -> System.out.printf("  %s %-16s %s%n", e.eventTime(), e.eventType(),
              e.payload()));
        }
        if (!d.segments().isEmpty()) {
          System.out.println("cadence segments:");
          d.segments().forEach(s -> System.out.println("  " + s));
        }
        var correlations = store.correlationsOf(sessionId);
        if (!correlations.isEmpty()) {
          System.out.println("cross-substrate correlations:");
          for (var c : correlations) {
            Object segment = c.get("teleport_segment");
            System.out.printf("  %s  %-6s score %s  peer %s (%s)  overlap %ss (%s)%s%s%n", c.get("correlation_id"),
                c.get("tier"), c.get("joint_score"), c.get("peer_session_id"), c.get("peer_substrate"),
                c.get("overlap_s"), c.get("overlap_fraction"),
                Integer.valueOf(1).equals(c.get("model_agreement")) ? "  same model" : "",
                segment == null ? "" : "  segment " + segment);
          }
        }
      }
      return 0;
    }
  }

  static ObjectNode toJson(SessionDetail d) throws IOException {
    ObjectNode n = JSON.createObjectNode().put("session_id", d.sessionId());
    n.set("columns", row(d.columns()));
    ObjectNode labels = n.putObject("labels");
    for (SessionLabel l : d.labels()) {
      labels.putObject(l.key()).put("value", l.value()).put("set_by", l.setBy()).put("set_at", l.setAt());
    }
    ArrayNode events = n.putArray("notable_events");
    for (SessionDetail.NotableEventRow e : d.notableEvents()) {
      ObjectNode ev = events.addObject().put("event_time", e.eventTime()).put("event_type", e.eventType());
      // the payload column holds JSON; kept as text where it is not
      try {
        ev.set("payload", e.payload() == null ? null : JSON.readTree(e.payload()));
      } catch (IOException notJson) {
        ev.put("payload", e.payload());
      }
    }
    ArrayNode segments = n.putArray("segments");
    d.segments().forEach(s -> segments.add(row(s)));
    ArrayNode minutes = n.putArray("gcp_minutes");
    d.gcpMinutes().forEach(m -> minutes.add(row(m)));
    return n;
  }

  private static ObjectNode row(Map<String, Object> columns) {
    ObjectNode n = JSON.createObjectNode();
    columns.forEach((k, v) -> {
      if (v != null) {
        n.set(k, JSON.valueToTree(v));
      }
    });
    return n;
  }
}
