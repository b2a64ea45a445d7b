package dev.whodrove.cli;

import dev.whodrove.sink.SessionDetail;
import dev.whodrove.sink.SessionDatabase;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sessions show SID}. */
@Command(name = "sessions", mixinStandardHelpOptions = true, description = "Inspect sessions in the SQLite file.",
    subcommands = {SessionsCommand.Show.class})
public final class SessionsCommand {
  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "One session: its features, labels with who set them, notable events, segments, cross-substrate "
          + "correlations.")
  static final class Show implements Callable<Integer> {
    @Parameters(paramLabel = "SESSION_ID") String sessionId;
    @Option(names = "--db", defaultValue = "sessions.sqlite", description = "Default: ${DEFAULT-VALUE}.") Path db;

    @Override
    public Integer call() throws Exception {
      try (SessionDatabase store = SessionDatabase.openReadOnly(LabelCommand.requireDb(db))) {
        SessionDetail d = store.showSession(sessionId)
            .orElseThrow(() -> new IllegalArgumentException("no session " + sessionId + " in " + db));
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
}
