package dev.whodrove.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Renders the scorer tables as markdown (target/cadence-tables.md) so docs/classifier.md quotes the code, not a copy. */
class CadenceTableDocTest {
  @Test
  void renderTables() throws Exception {
    StringBuilder sb = new StringBuilder();
    for (CadenceTable t : CadenceProfiles.all()) {
      sb.append("#### ").append(t.stage()).append(" (threshold ").append(t.threshold()).append(", min events ")
          .append(t.minEvents()).append(", absence gap ")
          .append(Double.isInfinite(t.absenceGapS()) ? "off" : Condition.fmt(t.absenceGapS()) + " s").append(")\n\n")
          .append("| profile | kind | rule | weight |\n|---|---|---|---|\n");
      for (Profile p : t.profiles()) {
        for (Rule r : p.rules()) {
          String cond = r.toString().substring(0, r.toString().lastIndexOf(" -> "));
          sb.append("| ").append(p.name()).append(" | ").append(p.kind().name().toLowerCase()).append(" | `")
              .append(cond).append("` | ").append(r.weight() > 0 ? "+" : "").append(r.weight()).append(" |\n");
        }
      }
      sb.append('\n');
    }
    Path out = Files.createDirectories(Path.of("target")).resolve("cadence-tables.md");
    Files.writeString(out, sb.toString());
    assertThat(sb).contains("cadence@v0", "cadence@v1");
  }
}
