package dev.whodrove.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class AsciicastFixturesTest {
  @Test
  void everyListedRecordingIsThereAndNothingElse() throws Exception {
    Path dir = AsciicastFixtures.directory();
    List<String> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(p -> p.toString().endsWith(".cast")).map(p -> dir.relativize(p).toString().replace('\\', '/'))
          .sorted().toList();
    }
    assertThat(files).containsExactlyInAnyOrderElementsOf(
        AsciicastFixtures.ALL.stream().map(f -> f.driver() + "/" + f.fileName()).toList());
    for (AsciicastFixtures.Fixture f : AsciicastFixtures.ALL) {
      assertThat(new String(f.bytes(), StandardCharsets.UTF_8)).as(f.name()).startsWith("{\"version\": 2");
    }
    assertThat(AsciicastFixtures.named("a1").driver()).isEqualTo("agent");
  }
}
