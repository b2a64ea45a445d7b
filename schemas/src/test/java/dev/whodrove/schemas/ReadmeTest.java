package dev.whodrove.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The SIEM-facing topic page must name every topic of the catalogue. */
class ReadmeTest {
  @Test
  void readmeDocumentsEveryTopic() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    for (TopicSpec<?> t : Topics.all()) {
      assertThat(readme).contains("| `" + t.name() + "` |");
    }
  }

  @Test
  void theDeadLetterExampleIsWhatTheCodePrints() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    String dlq = Topics.TELEPORT_RECORDINGS.deadLetterTopic();
    assertThat(readme).contains(JsonRender.pretty(ExampleRecords.byTopic().get(dlq)));
  }
}
