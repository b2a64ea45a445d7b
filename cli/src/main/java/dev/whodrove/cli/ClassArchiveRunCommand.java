package dev.whodrove.cli;

import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.sim.ProtoStreamWriter;
import dev.whodrove.sim.SimulatedSession;
import dev.whodrove.sim.TeleportSimulator;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The tiny run the {@code whodrove} script records a class-data-sharing archive from: parses one short simulated
 * recording with {@code parse --json}, output discarded, so the classes of the offline path are in the archive and
 * later runs start without loading them from the jar. Hidden: it only serves start-up time.
 */
@Command(name = "class-archive-run", hidden = true,
    description = "Parse a tiny simulated recording and discard the output (records the start-up class archive).")
public final class ClassArchiveRunCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("whodrove-cds");
    Path tar = dir.resolve("class-archive-run.tar");
    try {
      SimulatedSession s = new TeleportSimulator(1, 1_760_000_000_000L, "file:///records/")
          .session(TeleportSimulator.PROFILES.get(0), "cds", 1_760_000_000_000L, 20);
      try (OutputStream out = Files.newOutputStream(tar); ProtoStreamWriter w = new ProtoStreamWriter(out)) {
        for (OneOf e : s.recording()) {
          w.write(e);
        }
      }
      PrintStream stdout = System.out;
      System.setOut(new PrintStream(OutputStream.nullOutputStream()));
      try {
        return new CommandLine(new ParseCommand()).execute("--json", tar.toString());
      } finally {
        System.setOut(stdout);
      }
    } finally {
      Files.deleteIfExists(tar);
      Files.deleteIfExists(dir);
    }
  }
}
