package dev.whodrove.sim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Sessions whose node runs Teleport's enhanced recording: the terminal output and the BPF events (execve, connect,
 * open) Teleport emits to the audit log for them, with a real process tree. Two drivers:
 *
 * <ul>
 *   <li>{@link #claudeOnNode}: a person at bash starts {@code claude}, types a prompt (and later a follow-up) key by
 *       key, and the agent works: every turn it reaches the model's API and runs a command through its shell tool
 *       ({@code bash -c -l 'source <snapshot> && eval '<command>' …'}), whose programs descend from the agent's
 *       process; it writes files itself. The terminal shows the person's typing and the agent's short tool reports.
 *   <li>{@link #personWithCommands}: a person typing ordinary commands at bash (the {@code human} cadence), each one a
 *       child of the login shell, a few with children or connections of their own.
 * </ul>
 *
 * Times are ms from the first print; BPF arguments are cut as Teleport's probe cuts them (127 bytes each).
 */
public final class NodeActivity {
  /** Teleport's BPF probe keeps this many bytes of an argument (ARGSIZE 128 with its terminating zero). */
  static final int ARG_BYTES = 127;
  static final String PROVIDER_NET = "160.79.104."; // Anthropic's published API range
  static final int O_WRITE_CREATE_TRUNC = 01 | 0100 | 01000;

  /**
   * One BPF event: a command (path, argv without argv[0], return code, pid, ppid), a connection (pid, destination) or
   * a file open (pid, path, flags); {@code program} is the process name the kernel reports.
   */
  public record BpfEvent(long atMs, Kind kind, long pid, long ppid, String program, String path, List<String> argv,
      int returnCode, String dstAddr, int dstPort, int flags) {
    public enum Kind { COMMAND, NETWORK, DISK }
  }

  /** A session's terminal and BPF events. */
  public record Session(TerminalActivity terminal, List<BpfEvent> bpf) {}

  private static final String[] PROMPTS = {
      "the checkout tests fail since yesterday's merge, find out why and fix it without touching the public api",
      "add a health endpoint to the api service that reports the database connection and the queue depth",
      "refactor the retry logic in src/client so it uses exponential backoff with jitter, keep the tests green",
      "why is the nightly export job slow? profile it and propose a fix, then implement the easy part",
      "update the dependencies with known vulnerabilities and make sure the build still passes"};
  private static final String[] FOLLOW_UPS = {
      "looks good, also add a test for the timeout case",
      "don't change the config format, keep it backwards compatible",
      "run the whole suite once more and show me the diff"};
  /** What the agent runs: the command line, and the programs it starts (one per pipeline stage). */
  private static final String[][] AGENT_COMMANDS = {
      {"git status --short", "/usr/bin/git"},
      {"ls -la src", "/usr/bin/ls"},
      {"grep -rn \"retry\" src | head -40", "/usr/bin/grep", "/usr/bin/head"},
      {"cat package.json", "/usr/bin/cat"},
      {"sed -n 1,120p src/client/retry.js", "/usr/bin/sed"},
      {"npm test -- --silent", "/usr/bin/npm", "/usr/bin/node"},
      {"git diff --stat", "/usr/bin/git"},
      {"find src -name '*.test.js' | wc -l", "/usr/bin/find", "/usr/bin/wc"},
      {"npm run build", "/usr/bin/npm", "/usr/bin/node"},
      {"curl -s localhost:8080/healthz", "/usr/bin/curl"}};
  private static final String[] FILES = {"src/client/retry.js", "src/api/health.js", "test/retry.test.js",
      "src/export/job.js", "package.json"};

  private final Rng rng;
  private final TerminalActivity act = TerminalActivity.empty();
  private final List<BpfEvent> bpf = new ArrayList<>();
  private final java.util.Map<Long, String> programs = new java.util.HashMap<>();
  private final long shellPid;
  private long nextPid;
  private double t;

  private NodeActivity(Rng rng) {
    this.rng = rng;
    this.shellPid = 2_000 + rng.nextInt(30_000);
    this.nextPid = shellPid + 1;
    this.t = 0.8 + rng.nextDouble();
  }

  /** A person starts Claude Code and the agent does the work. */
  public static Session claudeOnNode(Rng rng) {
    NodeActivity a = new NodeActivity(rng);
    a.personRuns("git pull --ff-only", "/usr/bin/git");
    a.think(2, 8);
    long claude = a.personRuns("claude", "/usr/local/bin/claude");
    // the launcher is a node script: env runs node on it, in the same process
    a.command(a.t + 0.03, claude, a.shellPid, "/usr/bin/node", List.of("/usr/local/bin/claude"), 0);
    a.output(3 + rng.nextInt(3), 300, 1500, 0.02, 0.12); // the welcome screen
    a.think(3, 9);
    a.type(PROMPTS[rng.nextInt(PROMPTS.length)]);
    a.enter();
    int turns = 6 + rng.nextInt(9);
    int followUpAt = rng.nextDouble() < 0.6 ? 2 + rng.nextInt(Math.max(1, turns - 3)) : -1;
    for (int turn = 0; turn < turns; turn++) {
      if (turn == followUpAt) {
        a.think(4, 15);
        a.type(FOLLOW_UPS[rng.nextInt(FOLLOW_UPS.length)]);
        a.enter();
      }
      a.agentTurn(claude, turn);
    }
    a.think(5, 20);
    a.type("/exit");
    a.enter();
    a.output(1, 40, 120, 0.01, 0.05);
    a.think(3, 10);
    a.personRuns("git diff --stat", "/usr/bin/git");
    a.output(2, 80, 400, 0.01, 0.08);
    return new Session(a.act, a.bpf);
  }

  /** A person typing ordinary commands; every program a child of the login shell (or of the program it ran). */
  public static Session personWithCommands(Rng rng) {
    NodeActivity a = new NodeActivity(rng);
    TerminalActivity typed = CadenceModel.human().generate(rng);
    a.act.chunks().addAll(typed.chunks());
    for (TerminalActivity.Command c : typed.commands()) {
      double at = c.atMs() / 1000.0 + 0.004;
      List<String> argv = c.argv().subList(1, c.argv().size()); // Teleport's argv leaves argv[0] out
      long pid = a.command(at, a.nextPid(), a.shellPid, c.path(), argv, 0);
      String program = c.argv().get(0);
      switch (program) {
        case "kubectl" -> a.connect(at + 0.05, pid, "10.96.0.1", 443);
        case "curl" -> a.connect(at + 0.01, pid, "127.0.0.1", 8080);
        case "systemctl", "journalctl" -> a.command(at + 0.03, a.nextPid(), pid, "/usr/bin/less", List.of(), 0);
        case "git" -> a.disk(at + 0.01, pid, "/home/ubuntu/app/.git/index.lock", O_WRITE_CREATE_TRUNC);
        default -> { }
      }
    }
    return new Session(a.act, a.bpf);
  }

  /** One agent turn: the model call, a command through the shell tool, its report on screen, maybe a file edit. */
  private void agentTurn(long agentPid, int turn) {
    connect(t + 0.05, agentPid, PROVIDER_NET + (1 + rng.nextInt(254)), 443);
    think(3, 14);
    String[] cmd = AGENT_COMMANDS[rng.nextInt(AGENT_COMMANDS.length)];
    String line = cmd[0];
    if (rng.nextDouble() < 0.15) {
      line = "cat > NOTES.md <<'EOF'\n## retry changes\n- backoff with jitter\nEOF";
      cmd = new String[] {line, "/usr/bin/cat"};
    }
    String script = "source /home/ubuntu/.claude/shell-snapshots/snapshot-bash-" + (1_700_000_000 + turn)
        + ".sh && eval '" + line + "' \\< /dev/null && pwd -P >| /tmp/claude-" + Long.toHexString(agentPid * 31 + turn)
        + "-cwd";
    long wrapper = command(t, nextPid(), agentPid, "/bin/bash", List.of("-c", "-l", script), 0);
    double at = t + 0.004;
    for (int i = 1; i < cmd.length; i++) {
      at += 0.002 + rng.nextDouble() * 0.02;
      long pid = command(at, nextPid(), wrapper, cmd[i], List.of(), 0);
      if (cmd[i].endsWith("/npm")) {
        // npm runs its script through a shell of its own
        long sh = command(at + 0.2, nextPid(), pid, "/bin/sh", List.of("-c", "jest --silent"), 0);
        command(at + 0.25, nextPid(), sh, "/usr/bin/node", List.of("node_modules/.bin/jest", "--silent"),
            rng.nextDouble() < 0.3 ? 1 : 0);
        i++; // the node stage is this one
      }
    }
    output(2 + rng.nextInt(5), 80, 900, 0.03, 0.5);
    if (rng.nextDouble() < 0.35) {
      think(2, 8);
      disk(t, agentPid, "/home/ubuntu/app/" + FILES[rng.nextInt(FILES.length)], O_WRITE_CREATE_TRUNC);
      output(1 + rng.nextInt(3), 120, 1200, 0.02, 0.2); // the edit shown as a diff
    }
  }

  /** The person types a command at bash and runs it; returns its pid. */
  private long personRuns(String line, String path) {
    type(line);
    enter();
    String[] words = line.split(" ");
    List<String> argv = List.of(words).subList(1, words.length);
    long pid = command(t + 0.005, nextPid(), shellPid, path, argv, 0);
    output(1 + rng.nextInt(3), 40, 600, 0.01, 0.15);
    return pid;
  }

  private void type(String text) {
    Dist key = Dist.logNormal(0.17, 0.55, 0.04, 1.6);
    for (int i = 0; i < text.length(); i++) {
      if (rng.nextDouble() < 0.04) {
        chunk(new byte[] {'x'});
        t += key.sample(rng) + 0.15;
        chunk(new byte[] {0x08, ' ', 0x08});
        t += key.sample(rng);
      }
      chunk(text.substring(i, i + 1).getBytes(StandardCharsets.UTF_8));
      t += key.sample(rng);
    }
  }

  private void enter() {
    t += 0.2 + 0.6 * rng.nextDouble();
    chunk("\r\n".getBytes(StandardCharsets.UTF_8));
  }

  private void output(int chunks, int minBytes, int maxBytes, double minGap, double maxGap) {
    for (int i = 0; i < chunks; i++) {
      t += minGap + rng.nextDouble() * (maxGap - minGap);
      byte[] b = new byte[minBytes + rng.nextInt(maxBytes - minBytes + 1)];
      for (int j = 0; j < b.length; j++) {
        b[j] = j % 64 == 63 ? (byte) '\n' : (byte) ('a' + rng.nextInt(26));
      }
      chunk(b);
    }
  }

  private void think(double minS, double maxS) {
    t += minS + rng.nextDouble() * (maxS - minS);
  }

  private void chunk(byte[] data) {
    act.chunks().add(new TerminalActivity.Chunk(Math.round(t * 1000), data));
  }

  private long nextPid() {
    nextPid += 1 + rng.nextInt(4); // other processes on the node take pids in between
    return nextPid;
  }

  private long command(double atS, long pid, long ppid, String path, List<String> argv, int rc) {
    List<String> cut = argv.stream().map(NodeActivity::cut).toList();
    String base = path.substring(path.lastIndexOf('/') + 1);
    String program = base.length() > 15 ? base.substring(0, 15) : base;
    programs.put(pid, program);
    bpf.add(new BpfEvent(Math.round(atS * 1000), BpfEvent.Kind.COMMAND, pid, ppid, program, path, cut, rc, "", 0, 0));
    return pid;
  }

  private void connect(double atS, long pid, String dst, int port) {
    bpf.add(new BpfEvent(Math.round(atS * 1000), BpfEvent.Kind.NETWORK, pid, 0, programs.getOrDefault(pid, "bash"),
        "", List.of(), 0, dst, port, 0));
  }

  private void disk(double atS, long pid, String path, int flags) {
    bpf.add(new BpfEvent(Math.round(atS * 1000), BpfEvent.Kind.DISK, pid, 0, programs.getOrDefault(pid, "bash"),
        path, List.of(), 0, "", 0, flags));
  }

  private static String cut(String arg) {
    byte[] b = arg.getBytes(StandardCharsets.UTF_8);
    return b.length <= ARG_BYTES ? arg : new String(b, 0, ARG_BYTES, StandardCharsets.UTF_8);
  }
}
