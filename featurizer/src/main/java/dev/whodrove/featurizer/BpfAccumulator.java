package dev.whodrove.featurizer;

import dev.whodrove.schemas.redact.SecretRedactor;
import dev.whodrove.schemas.v1.AgentCliEvidence;
import dev.whodrove.schemas.v1.BpfActivity;
import dev.whodrove.schemas.v1.CommandExecuted;
import dev.whodrove.schemas.v1.DiskAccess;
import dev.whodrove.schemas.v1.NameCount;
import dev.whodrove.schemas.v1.NetworkConnection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The BPF events of one session (execve, connect, open) streamed into bounded counters: commands and their rate,
 * programs, bursts and the gaps between them, the process tree, shell wrappers, connections and destinations, file
 * opens, and a coding-agent CLI with what descends from it. At most {@value #MAX_PROCESSES} processes,
 * {@value #MAX_PROGRAMS} program names and {@value #MAX_DESTINATIONS} destinations are held, so the state stays a few
 * KiB whatever the session length.
 */
final class BpfAccumulator {
  static final int MAX_PROCESSES = 512;
  static final int MAX_PROGRAMS = 256;
  static final int MAX_DESTINATIONS = 64;
  static final int MAX_OTHER_TOOLS = 4;
  static final int TOP = 10;
  static final int MAX_NAME_CHARS = 64;
  static final int MAX_COMMAND_LINE = 512;
  /** Commands closer than this belong to one burst. */
  static final long BURST_GAP_MS = 1000;
  static final long[] GAP_BINS_MS = {2_000, 10_000, 40_000, 120_000};
  /** open(2) flags that write: O_WRONLY, O_RDWR, O_CREAT, O_TRUNC. */
  static final int WRITE_FLAGS = 01 | 02 | 0100 | 01000;

  private static final int AGENT_ROOT = 1;
  private static final int AGENT_TREE = 2;
  private static final SecretRedactor REDACTOR = new SecretRedactor();

  /** One process that ran a command: its parent, depth in the tree and agent flags. */
  private static final class Proc {
    long ppid;
    int depth;
    int flags;

    Proc(long ppid, int depth, int flags) {
      this.ppid = ppid;
      this.depth = depth;
      this.flags = flags;
    }
  }

  /** What one command meant, for the caller's notable events. */
  record CommandOutcome(AgentCliCatalogue.Match agentStarted, boolean inAgentTree) {}

  private final BpfSettings settings;

  long commands;
  long failedCommands;
  private final Map<String, Long> programs = new LinkedHashMap<>();
  private boolean programsOverflow;
  private long firstCommandMs = -1;
  private long lastCommandMs = -1;
  private long bursts;
  private final long[] gapBins = new long[GAP_BINS_MS.length + 1];
  private double gapSumS;
  private double gapSumSqS;
  private final LinkedHashMap<Long, Proc> procs = new LinkedHashMap<>(64, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Proc> eldest) {
      return size() > MAX_PROCESSES;
    }
  };
  private long processes;
  private long roots;
  private int maxDepth;
  private long shellWrappers;
  private long compoundScripts;
  private long heredocScripts;
  long connections;
  private long deniedConnections;
  private final Map<String, Long> destinations = new LinkedHashMap<>();
  private boolean destinationsOverflow;
  private long providerConnections;
  long diskEvents;
  private long diskWrites;
  // the agent CLI
  private String agentTool = "";
  private String agentMatchedBy = "";
  private String agentCommandLine = "";
  private long agentPid;
  private long agentStartMs = -1;
  private long descendants;
  private long descendantWrappers;
  private long descendantFailed;
  private long otherAfter;
  private long treeConnections;
  private long treeProviderConnections;
  private long treeDisk;
  private final List<String> otherTools = new ArrayList<>();

  BpfAccumulator(BpfSettings settings) {
    this.settings = settings;
  }

  boolean isEmpty() {
    return commands == 0 && connections == 0 && diskEvents == 0;
  }

  CommandOutcome addCommand(long timeMs, CommandExecuted c) {
    commands++;
    if (c.getReturnCode() != 0) {
      failedCommands++;
    }
    countProgram(programOf(c.getPath(), c.getProgram()));
    timing(timeMs);
    ShellScript wrapper = ShellScript.of(c.getPath(), c.getProgram(), c.getArgvList());
    if (wrapper != null) {
      shellWrappers++;
      compoundScripts += wrapper.compound() ? 1 : 0;
      heredocScripts += wrapper.heredoc() ? 1 : 0;
    }

    long pid = c.getPid();
    long ppid = c.getPpid();
    Proc existing = procs.get(pid);
    Proc parent = procs.get(ppid);
    // the same pid under the same parent is one process exec'ing again (env → node); otherwise a new process
    boolean sameProcess = existing != null && existing.ppid == ppid;
    int flags = sameProcess ? existing.flags : parent != null && (parent.flags & AGENT_TREE) != 0 ? AGENT_TREE : 0;
    int depth = sameProcess ? existing.depth : parent != null ? parent.depth + 1 : 0;
    if (!sameProcess) {
      processes++;
      if (parent == null) {
        roots++;
      }
    }
    AgentCliCatalogue.Match m = settings.agents().match(c.getPath(), c.getProgram(), c.getArgvList());
    boolean inTreeBefore = (flags & AGENT_TREE) != 0;
    AgentCliCatalogue.Match started = null;
    if (m != null) {
      if (agentTool.isEmpty()) {
        agentTool = m.tool();
        agentMatchedBy = m.matchedBy();
        agentPid = pid;
        agentStartMs = timeMs;
        agentCommandLine = REDACTOR.clean(TeleportSessionAccumulator.commandLine(c.getPath(), c.getProgram(),
            c.getArgvList()), MAX_COMMAND_LINE);
        started = m;
      } else if (!m.tool().equals(agentTool) && !otherTools.contains(m.tool()) && otherTools.size() < MAX_OTHER_TOOLS) {
        otherTools.add(m.tool());
      }
      flags |= AGENT_ROOT | AGENT_TREE;
    }
    boolean primaryAgent = m != null && m.tool().equals(agentTool);
    // an agent process exec'ing again (its launcher's env, a failed PATH lookup) is the agent, not its work
    boolean agentReExec = sameProcess && (existing.flags & AGENT_ROOT) != 0;
    if (inTreeBefore && !primaryAgent && !agentReExec) {
      descendants++;
      descendantWrappers += wrapper != null ? 1 : 0;
      descendantFailed += c.getReturnCode() != 0 ? 1 : 0;
    } else if (!inTreeBefore && m == null && agentStartMs >= 0 && timeMs >= agentStartMs) {
      otherAfter++;
    }
    if (sameProcess) {
      existing.flags = flags;
    } else {
      procs.remove(pid); // a reused pid: the old process is gone
      procs.put(pid, new Proc(ppid, depth, flags));
      maxDepth = Math.max(maxDepth, depth);
    }
    return new CommandOutcome(started, (flags & AGENT_TREE) != 0);
  }

  /** @return whether the connection came from the agent CLI's process tree */
  boolean addNetwork(NetworkConnection n) {
    connections++;
    if ("denied".equals(n.getAction())) {
      deniedConnections++;
    }
    String dst = destination(n.getDstAddr(), n.getDstPort());
    Long count = destinations.get(dst);
    if (count != null) {
      destinations.put(dst, count + 1);
    } else if (destinations.size() < MAX_DESTINATIONS) {
      destinations.put(dst, 1L);
    } else {
      destinationsOverflow = true;
    }
    boolean provider = settings.providers().matches(n.getDstAddr());
    if (provider) {
      providerConnections++;
    }
    boolean tree = inAgentTree(n.getPid());
    if (tree) {
      treeConnections++;
      treeProviderConnections += provider ? 1 : 0;
    }
    return tree;
  }

  boolean addDisk(DiskAccess d) {
    diskEvents++;
    if ((d.getFlags() & WRITE_FLAGS) != 0) {
      diskWrites++;
    }
    boolean tree = inAgentTree(d.getPid());
    if (tree) {
      treeDisk++;
    }
    return tree;
  }

  private boolean inAgentTree(long pid) {
    Proc p = procs.get(pid);
    return p != null && (p.flags & AGENT_TREE) != 0;
  }

  static String destination(String addr, int port) {
    String a = addr.indexOf(':') >= 0 ? "[" + addr + "]" : addr;
    return truncate(a + ":" + port);
  }

  static String programOf(String path, String program) {
    String base = AgentCliCatalogue.baseName(path);
    return truncate(base.isEmpty() ? (program.isEmpty() ? "?" : program) : base);
  }

  private static String truncate(String s) {
    return s.length() <= MAX_NAME_CHARS ? s : s.substring(0, MAX_NAME_CHARS);
  }

  private void countProgram(String name) {
    Long n = programs.get(name);
    if (n != null) {
      programs.put(name, n + 1);
    } else if (programs.size() < MAX_PROGRAMS) {
      programs.put(name, 1L);
    } else {
      programsOverflow = true;
    }
  }

  private void timing(long timeMs) {
    if (firstCommandMs < 0) {
      firstCommandMs = timeMs;
      lastCommandMs = timeMs;
      bursts = 1;
      return;
    }
    long gap = Math.max(0, timeMs - lastCommandMs);
    if (gap >= BURST_GAP_MS) {
      bursts++;
      int bin = 0;
      while (bin < GAP_BINS_MS.length && gap >= GAP_BINS_MS[bin]) {
        bin++;
      }
      gapBins[bin]++;
      double s = gap / 1000.0;
      gapSumS += s;
      gapSumSqS += s * s;
    }
    firstCommandMs = Math.min(firstCommandMs, timeMs);
    lastCommandMs = Math.max(lastCommandMs, timeMs);
  }

  /** Whether the agent CLI has been seen. */
  boolean agentSeen() {
    return !agentTool.isEmpty();
  }

  BpfActivity features(String source) {
    BpfActivity.Builder b = BpfActivity.newBuilder().setSource(source)
        .setCommands(commands).setFailedCommands(failedCommands)
        .setDistinctPrograms(programs.size())
        .addAllTopPrograms(top(programs))
        .setCommandBursts(bursts)
        .setBurstGapsLt2S(gapBins[0]).setBurstGaps210S(gapBins[1]).setBurstGaps1040S(gapBins[2])
        .setBurstGaps40120S(gapBins[3]).setBurstGapsGe120S(gapBins[4])
        .setProcesses(processes).setRootProcesses(roots).setMaxTreeDepth(maxDepth)
        .setShellWrappers(shellWrappers).setCompoundScripts(compoundScripts).setHeredocScripts(heredocScripts)
        .setConnections(connections).setDeniedConnections(deniedConnections)
        .setDistinctDestinations(destinations.size()).addAllTopDestinations(top(destinations))
        .setProviderConnections(providerConnections)
        .setDiskEvents(diskEvents).setDiskWrites(diskWrites);
    if (commands >= 2 && lastCommandMs > firstCommandMs) {
      double span = (lastCommandMs - firstCommandMs) / 1000.0;
      b.setCommandSpanS(span).setCommandsPerMin(commands / (span / 60.0));
    }
    long gaps = bursts - 1;
    if (gaps > 0) {
      double mean = gapSumS / gaps;
      double var = Math.max(0, gapSumSqS / gaps - mean * mean);
      b.setBurstGapMeanS(mean).setBurstGapCv(mean > 0 ? Math.sqrt(var) / mean : 0);
    }
    if (agentSeen()) {
      b.setAgentCli(AgentCliEvidence.newBuilder().setTool(agentTool).setMatchedBy(agentMatchedBy)
          .setPid(agentPid).setStartedMs(agentStartMs).setCommandLine(agentCommandLine)
          .setDescendantCommands(descendants).setDescendantShellWrappers(descendantWrappers)
          .setDescendantFailedCommands(descendantFailed).setOtherCommandsAfter(otherAfter)
          .setTreeConnections(treeConnections).setProviderConnections(treeProviderConnections)
          .setTreeDiskEvents(treeDisk).addAllOtherTools(otherTools));
    }
    return b.build();
  }

  private static List<NameCount> top(Map<String, Long> counts) {
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
        .limit(TOP).map(e -> NameCount.newBuilder().setName(e.getKey()).setCount(e.getValue()).build()).toList();
  }

  void writeTo(StateWriter w) {
    w.varint(commands).varint(failedCommands).bool(programsOverflow).varint(programs.size());
    programs.forEach((k, v) -> w.name(k).varint(v));
    w.zigzag(firstCommandMs).zigzag(lastCommandMs).varint(bursts);
    for (long g : gapBins) {
      w.varint(g);
    }
    w.dbl(gapSumS).dbl(gapSumSqS);
    w.varint(procs.size());
    long prevPid = 0;
    for (Map.Entry<Long, Proc> e : procs.entrySet()) {
      // pids and parents lie close together: deltas keep them to a byte or two
      w.zigzag(e.getKey() - prevPid).zigzag(e.getValue().ppid - e.getKey()).varint(e.getValue().depth)
          .varint(e.getValue().flags);
      prevPid = e.getKey();
    }
    w.varint(processes).varint(roots).varint(maxDepth);
    w.varint(shellWrappers).varint(compoundScripts).varint(heredocScripts);
    w.varint(connections).varint(deniedConnections).bool(destinationsOverflow).varint(destinations.size());
    destinations.forEach((k, v) -> w.name(k).varint(v));
    w.varint(providerConnections).varint(diskEvents).varint(diskWrites);
    w.str(agentTool).str(agentMatchedBy).str(agentCommandLine).varint(agentPid).zigzag(agentStartMs)
        .varint(descendants).varint(descendantWrappers).varint(descendantFailed).varint(otherAfter)
        .varint(treeConnections).varint(treeProviderConnections).varint(treeDisk).varint(otherTools.size());
    otherTools.forEach(w::str);
  }

  static BpfAccumulator readFrom(StateReader r, BpfSettings settings) {
    BpfAccumulator a = new BpfAccumulator(settings);
    a.commands = r.varint();
    a.failedCommands = r.varint();
    a.programsOverflow = r.bool();
    int n = bounded(r.varintInt(), MAX_PROGRAMS);
    for (int i = 0; i < n; i++) {
      a.programs.put(r.name(), r.varint());
    }
    a.firstCommandMs = r.zigzag();
    a.lastCommandMs = r.zigzag();
    a.bursts = r.varint();
    for (int i = 0; i < a.gapBins.length; i++) {
      a.gapBins[i] = r.varint();
    }
    a.gapSumS = r.dbl();
    a.gapSumSqS = r.dbl();
    int procs = bounded(r.varintInt(), MAX_PROCESSES);
    long pid = 0;
    for (int i = 0; i < procs; i++) {
      pid += r.zigzag();
      long ppid = pid + r.zigzag();
      a.procs.put(pid, new Proc(ppid, r.varintInt(), r.varintInt()));
    }
    a.processes = r.varint();
    a.roots = r.varint();
    a.maxDepth = r.varintInt();
    a.shellWrappers = r.varint();
    a.compoundScripts = r.varint();
    a.heredocScripts = r.varint();
    a.connections = r.varint();
    a.deniedConnections = r.varint();
    a.destinationsOverflow = r.bool();
    int d = bounded(r.varintInt(), MAX_DESTINATIONS);
    for (int i = 0; i < d; i++) {
      a.destinations.put(r.name(), r.varint());
    }
    a.providerConnections = r.varint();
    a.diskEvents = r.varint();
    a.diskWrites = r.varint();
    a.agentTool = r.str();
    a.agentMatchedBy = r.str();
    a.agentCommandLine = r.str();
    a.agentPid = r.varint();
    a.agentStartMs = r.zigzag();
    a.descendants = r.varint();
    a.descendantWrappers = r.varint();
    a.descendantFailed = r.varint();
    a.otherAfter = r.varint();
    a.treeConnections = r.varint();
    a.treeProviderConnections = r.varint();
    a.treeDisk = r.varint();
    int tools = bounded(r.varintInt(), MAX_OTHER_TOOLS);
    for (int i = 0; i < tools; i++) {
      a.otherTools.add(r.str());
    }
    return a;
  }

  private static int bounded(int n, int max) {
    if (n < 0 || n > max) {
      throw new IllegalStateException("bpf state: count " + n + " over its cap " + max);
    }
    return n;
  }
}
