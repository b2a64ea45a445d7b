package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.sim.SimulatedDataset;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotCommandTest {
  @TempDir Path tmp;

  @Test
  void drawsAHandoffRecordingWithItsSegmentBoundary() throws Exception {
    SimulatedDataset.Summary data = SimulatedDataset.write(tmp.resolve("sim"), 5, Map.of("handoff", 1), Map.of());
    Path tar;
    try (var s = Files.list(data.recordsDir())) {
      tar = s.filter(p -> p.toString().endsWith(".tar")).findFirst().orElseThrow();
    }
    PlotCommand.Trace trace = PlotCommand.read(tar);
    assertThat(trace.features().getSegmentsCount()).as("a hand-off splits").isEqualTo(2);

    Path png = tmp.resolve("cadence.png");
    assertThat(Main.commandLine().execute("plot", tar.toString(), "--out", png.toString())).isZero();
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img.getWidth()).isEqualTo(1200);
    assertThat(img.getHeight()).isEqualTo(720);

    assertThat(Main.commandLine().execute("plot", "--out", png.toString())).as("no input").isNotZero();
  }
}
