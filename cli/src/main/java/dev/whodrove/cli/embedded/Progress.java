package dev.whodrove.cli.embedded;

import java.io.PrintStream;
import java.util.function.Consumer;

/**
 * Where long-running commands report: {@link #accept} takes a line that stays, {@link #status} the current state of
 * a wait, which a terminal shows as one line redrawn in place and a log (no terminal) as a plain line every few
 * seconds. A plain lambda is a Progress that ignores status.
 */
@FunctionalInterface
public interface Progress extends Consumer<String> {
  /** The current state of a long wait (counts, lag); called often, shown at the reporter's own pace. */
  default void status(String state) {}

  /**
   * Standard error, so that standard output carries only a command's results: redrawn status on a terminal, a status
   * line every 5 s otherwise.
   */
  static Progress console() {
    return new Console(System.err, System.console() != null);
  }

  /** Reports to a stream; {@code terminal} picks in-place redraw over periodic lines. */
  final class Console implements Progress {
    private static final long PLAIN_EVERY_NS = 5_000_000_000L;
    private final PrintStream out;
    private final boolean terminal;
    private boolean statusShown;
    private long lastPlainNs;

    Console(PrintStream out, boolean terminal) {
      this.out = out;
      this.terminal = terminal;
      this.lastPlainNs = System.nanoTime();
    }

    @Override
    public synchronized void accept(String line) {
      if (statusShown) {
        out.println();
        statusShown = false;
      }
      out.println("· " + line);
    }

    @Override
    public synchronized void status(String state) {
      if (terminal) {
        out.print("\r\033[2K· " + state); // carriage return, clear the line, redraw
        out.flush();
        statusShown = true;
      } else if (System.nanoTime() - lastPlainNs >= PLAIN_EVERY_NS) {
        out.println("· " + state);
        lastPlainNs = System.nanoTime();
      }
    }
  }
}
