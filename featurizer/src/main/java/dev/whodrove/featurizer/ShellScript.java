package dev.whodrove.featurizer;

import java.util.List;
import java.util.Set;

/**
 * A shell run with {@code -c} and a script ({@code bash -c 'cd src && make'}, {@code bash -lc …}, {@code sh -c -l
 * …}): what agent shell tools execute for every call, and what a person at an interactive shell rarely does (the shell
 * forks and execs each program directly). Teleport's BPF probe keeps at most 127 bytes of each argument, so a long
 * script is seen by its start only.
 */
record ShellScript(String script) {
  static final Set<String> SHELLS = Set.of("sh", "bash", "zsh", "dash", "ksh", "mksh", "fish", "ash", "busybox");

  /** The script of a shell wrapper, or null when this execution is not one. */
  static ShellScript of(String path, String program, List<String> argv) {
    String name = AgentCliCatalogue.baseName(path);
    if (!SHELLS.contains(name.isEmpty() ? program : name) && !SHELLS.contains(program)) {
      return null;
    }
    boolean sawC = false;
    for (String a : argv) {
      if (!sawC) {
        if (a.startsWith("-") && !a.startsWith("--") && a.length() > 1 && a.indexOf('c', 1) > 0) {
          sawC = true;
        } else if (!a.startsWith("-")) {
          return null; // a script file or a subcommand (busybox sh) came first: not -c
        }
      } else if (!a.startsWith("-") || a.contains(" ")) {
        return new ShellScript(a);
      }
    }
    return null;
  }

  /** Several commands: a newline, {@code ;}, {@code &&}, {@code ||} or a pipe. */
  boolean compound() {
    return script.indexOf('\n') >= 0 || script.indexOf(';') >= 0 || script.contains("&&")
        || script.indexOf('|') >= 0;
  }

  /** A here-document ({@code <<EOF}, {@code <<'EOF'}, {@code <<-EOF}). */
  boolean heredoc() {
    int i = script.indexOf("<<");
    return i >= 0 && !script.startsWith("<<<", i);
  }
}
