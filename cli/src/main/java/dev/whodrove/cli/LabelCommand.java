package dev.whodrove.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.sink.LabelSelector;
import dev.whodrove.sink.SessionLabel;
import dev.whodrove.sink.SessionDatabase;
import dev.whodrove.sink.SessionSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code label ls} and {@code label set}. */
@Command(name = "label", mixinStandardHelpOptions = true, description = "List sessions by label, or stamp one.",
    subcommands = {LabelCommand.Ls.class, LabelCommand.Set.class, LabelImportCommand.class})
public final class LabelCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Path requireDb(Path db) {
    if (!Files.exists(db)) {
      throw new IllegalArgumentException("no database at " + db + " (run ./whodrove demo, or pass --db)");
    }
    return db;
  }

  @Command(name = "ls", mixinStandardHelpOptions = true,
      description = "List sessions whose labels match an equality selector (k=v[,k=v]; empty = all).")
  static final class Ls implements Callable<Integer> {
    @Option(names = {"-l", "--selector"}, defaultValue = "", description = "e.g. operator.type=agent,kind=ssh")
    String selector;

    @Option(names = "--db", defaultValue = "sessions.sqlite", description = "Default: ${DEFAULT-VALUE}.")
    Path db;

    @Option(names = "--json", description = "One JSON object per line.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      LabelSelector sel = LabelSelector.parse(selector);
      try (SessionDatabase store = SessionDatabase.openReadOnly(requireDb(db))) {
        List<SessionSummary> rows = store.listSessions(sel);
        if (json) {
          for (SessionSummary s : rows) {
            ObjectNode n = JSON.createObjectNode().put("session_id", s.sessionId()).put("user", s.user())
                .put("substrate", s.substrate()).put("kind", s.kind()).put("started_at", s.startedAt())
                .put("parse_error", s.parseError()).put("coverage_gap", s.coverageGap());
            ObjectNode labels = n.putObject("labels");
            s.labels().forEach((k, l) -> labels.put(k, l.value()));
            System.out.println(n);
          }
        } else {
          System.out.printf("%-38s %-22s %-20s %-20s %-9s %-18s %s%n", "SESSION", "USER", "SUBSTRATE", "STARTED",
              "OPERATOR", "CADENCE", "CONFIDENCE");
          for (SessionSummary s : rows) {
            System.out.printf("%-38s %-22s %-20s %-20s %-9s %-18s %s%n", s.sessionId(), cut(s.user(), 22),
                s.substrate(), cut(s.startedAt(), 20), dash(s.label("operator.type")), dash(s.label("cadence.label")),
                dash(s.label("confidence.operator-type")));
          }
          System.out.printf("%d session(s)%n", rows.size());
        }
      }
      return 0;
    }
  }

  @Command(name = "set", mixinStandardHelpOptions = true,
      description = {"Publish a manual label stamp to session.labels (the SIEM sees it; the sink writes it, and no "
          + "automated stage overwrites it).",
          "The stamp says who set it (set_by=manual:<name>), and the name comes from the Kafka client configuration: "
              + "the SASL principal or the TLS client certificate it authenticates with, or, where it authenticates "
              + "none, label.operator (then marked unverified). See docs/security.md."})
  static final class Set implements Callable<Integer> {
    @Option(names = "--session", required = true) String session;
    @Option(names = "--key", required = true) String key;
    @Option(names = "--value", required = true) String value;
    @Option(names = "--by", paramLabel = "NAME",
        description = "Optional check: the stamp is written only if the identity from the configuration is NAME. "
            + "It cannot choose another name.")
    String by;
    @Mixin KafkaClientOptions kafka;

    @Override
    public Integer call() throws Exception {
      if (key.isBlank() || key.contains("=") || key.contains(",")) {
        throw new IllegalArgumentException("invalid label key '" + key + "'");
      }
      ServiceConfig cfg = kafka.config();
      OperatorIdentity who = OperatorIdentity.from(cfg);
      if (by != null && !by.equals(who.name())) {
        throw new IllegalArgumentException("--by " + by + " is not the identity of the Kafka client configuration ("
            + who.name() + ", " + who.basis().description() + "); --by can only confirm it: nothing was written");
      }
      if (!who.verified()) {
        System.err.printf("warning: stamping as %s from %s%n", who.name(), who.basis().description());
      }
      String setBy = "manual:" + who.name();
      long now = System.currentTimeMillis();
      SessionVerdict v = SessionVerdict.newBuilder().setSessionId(session).setStage(setBy)
          .setEmittedAtMs(now)
          .addLabels(Label.newBuilder().setKey(key).setValue(value).setSetBy(setBy).setSetAtMs(now))
          .build();
      Map<String, Object> props = cfg.kafkaClientProperties();
      props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
      props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
      props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
      props.put(ProducerConfig.ACKS_CONFIG, "all");
      String bootstrap = cfg.require(ServiceConfig.BOOTSTRAP_SERVERS);
      try (KafkaProducer<String, SessionVerdict> p = new KafkaProducer<>(props, new StringSerializer(),
          Topics.SESSION_LABELS.valueSerde(cfg.serdeProperties()))) {
        p.send(new ProducerRecord<>(Topics.SESSION_LABELS.name(), session, v)).get(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("could not publish to " + Topics.SESSION_LABELS.name() + " on " + bootstrap
            + " (is the broker reachable, and may this principal write to it?): nothing was written. "
            + Errors.oneLine(e), e);
      }
      System.out.printf("published %s=%s for %s (set_by=%s, %s) to %s%n", key, value, session, setBy,
          who.basis().description(), Topics.SESSION_LABELS.name());
      return 0;
    }
  }

  static String dash(String s) {
    return s == null ? "-" : s;
  }

  static String cut(String s, int n) {
    return s == null ? "-" : s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }

  static String describe(SessionLabel l) {
    return l.key() + "=" + l.value() + "  (" + l.setBy() + ", " + l.setAt() + ")";
  }
}
