package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.whodrove.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What every command shares: exit codes in --help, results on stdout and messages on stderr, --json. */
class CliConventionsTest {
  @TempDir Path tmp;

  @Test
  void everyCommandsHelpListsItsExitCodes() {
    List<CommandLine> all = new ArrayList<>();
    collect(Main.commandLine(), all);
    assertThat(all).hasSizeGreaterThan(15);
    for (CommandLine cl : all) {
      String help = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
      assertThat(help).as("%s --help", cl.getCommandSpec().qualifiedName()).contains("Exit codes:")
          .containsPattern("(?m)^\\s+0\\s+done").containsPattern("(?m)^\\s+1\\s+failed")
          .containsPattern("(?m)^\\s+2\\s+invalid command line or configuration");
    }
  }

  private static void collect(CommandLine cl, List<CommandLine> into) {
    into.add(cl);
    cl.getSubcommands().values().forEach(c -> collect(c, into));
  }

  @Test
  void aWrongOptionAndAnInvalidConfigurationExitWithTwoAFailureWithOne() throws Exception {
    CliRun unknown = CliRun.of("topics", "--no-such-option");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.out()).isEmpty();
    assertThat(unknown.err()).contains("--no-such-option");

    Path secret = Files.writeString(tmp.resolve("jaas"), "x");
    Path config = Files.writeString(tmp.resolve("bad.properties"),
        "kafka.sasl.jaas.config=inline\nkafka.sasl.jaas.config.file=" + secret + "\n");
    CliRun invalid = CliRun.of("topics", "--create", "--config", config.toString());
    assertThat(invalid.exit()).isEqualTo(2);
    assertThat(invalid.err()).contains("kafka.sasl.jaas.config").contains("both set").doesNotContain("inline");

    CliRun failed = CliRun.of("sessions", "show", "nope", "--db", tmp.resolve("missing.sqlite").toString());
    assertThat(failed.exit()).isEqualTo(1);
    assertThat(failed.out()).isEmpty();
    assertThat(failed.err()).contains("no database at");
  }

  @Test
  void topicsAsJsonIsOneObjectPerTopic() {
    CliRun run = CliRun.of("topics", "--json", "--examples");
    assertThat(run.exit()).isZero();
    List<JsonNode> topics = run.json();
    // the catalogue and the correlations, read outside whodrove (no dead-letter companion)
    assertThat(topics).hasSize(Topics.all().size() + 1).allSatisfy(n -> {
      assertThat(n.get("name").asText()).isNotBlank();
      assertThat(n.get("partitions").asInt()).isPositive();
      assertThat(n.has("retention_days")).isTrue();
      assertThat(n.get("example").isObject()).as(n.get("name").asText()).isTrue();
    });
    assertThat(topics).anySatisfy(n -> {
      assertThat(n.get("name").asText()).isEqualTo(Topics.SESSION_LABELS.name());
      assertThat(n.get("value_type").asText()).endsWith("SessionVerdict");
    });
    assertThat(topics).anySatisfy(n -> assertThat(n.get("name").asText())
        .isEqualTo(Topics.SESSION_CORRELATIONS.name()));
  }
}
