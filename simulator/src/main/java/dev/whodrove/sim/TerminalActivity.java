package dev.whodrove.sim;

import java.util.ArrayList;
import java.util.List;

/** Terminal output of a simulated session: print chunks at millisecond offsets, plus the commands run. */
public record TerminalActivity(List<Chunk> chunks, List<Command> commands) {

  /** One print event: when (ms since session start) and what the terminal showed. */
  public record Chunk(long atMs, byte[] data) {}

  /** A command the session ran (for session.command events), at ms since start. */
  public record Command(long atMs, String path, List<String> argv) {}

  public static TerminalActivity empty() {
    return new TerminalActivity(new ArrayList<>(), new ArrayList<>());
  }

  public long durationMs() {
    return chunks.isEmpty() ? 0 : chunks.get(chunks.size() - 1).atMs();
  }

  /** Appends another activity shifted to start {@code gapMs} after this one ends. */
  public TerminalActivity then(TerminalActivity next, long gapMs) {
    long shift = durationMs() + gapMs;
    next.chunks.forEach(c -> chunks.add(new Chunk(c.atMs() + shift, c.data())));
    next.commands.forEach(c -> commands.add(new Command(c.atMs() + shift, c.path(), c.argv())));
    return this;
  }
}
