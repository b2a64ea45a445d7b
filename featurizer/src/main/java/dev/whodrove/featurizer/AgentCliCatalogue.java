package dev.whodrove.featurizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which executions of a session are a coding-agent CLI: the executable itself ({@code claude}, {@code codex}), or the
 * script an interpreter runs ({@code node …/@anthropic-ai/claude-code/cli.js}, {@code python -m aider}). The list is
 * data: {@code agent-clis.txt} next to this class, plus any file named by {@code featurizer.agent.cli.file} in the
 * same format.
 */
public final class AgentCliCatalogue {
  static final String RESOURCE = "agent-clis.txt";
  /** The kernel keeps at most 15 characters of a process name. */
  static final int COMM_LEN = 15;
  /** How many of an interpreter's first arguments are looked at for its script. */
  static final int SCRIPT_ARGS = 4;

  /** A recognised execution: the tool and how it was recognised ({@code program:claude}, {@code script:…}). */
  public record Match(String tool, String matchedBy) {}

  private record Entry(String tool, boolean script, String value, boolean prefix) {}

  private final List<Entry> entries;
  private final List<String> interpreters;

  private AgentCliCatalogue(List<Entry> entries, List<String> interpreters) {
    this.entries = List.copyOf(entries);
    this.interpreters = List.copyOf(interpreters);
  }

  /** The built-in list. */
  public static AgentCliCatalogue defaults() {
    return DEFAULTS;
  }

  private static final AgentCliCatalogue DEFAULTS = builtIn();

  private static AgentCliCatalogue builtIn() {
    try (InputStream in = AgentCliCatalogue.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE);
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), RESOURCE, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The built-in list extended by the entries of {@code file}. */
  public static AgentCliCatalogue withFile(Path file) throws IOException {
    return parse(Files.readString(file), file.toString(), DEFAULTS);
  }

  /**
   * Parses the catalogue format on top of {@code base} (null = empty).
   *
   * @throws IllegalArgumentException naming the source and line of the first bad line
   */
  static AgentCliCatalogue parse(String text, String source, AgentCliCatalogue base) {
    List<Entry> entries = new ArrayList<>(base == null ? List.of() : base.entries);
    List<String> interpreters = new ArrayList<>(base == null ? List.of() : base.interpreters);
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] w = line.split("\\s+");
      if (w[0].equals("interpreter") && w.length >= 2) {
        for (int j = 1; j < w.length; j++) {
          interpreters.add(w[j].toLowerCase(Locale.ROOT));
        }
        continue;
      }
      if (w.length != 3 || !(w[1].equals("program") || w[1].equals("script"))) {
        throw new IllegalArgumentException(source + " line " + (i + 1) + ": expected '<tool> program|script <value>' "
            + "or 'interpreter <name>…', got '" + line + "'");
      }
      boolean prefix = w[2].endsWith("*") && w[1].equals("program");
      String value = prefix ? w[2].substring(0, w[2].length() - 1) : w[2];
      if (value.isEmpty()) {
        throw new IllegalArgumentException(source + " line " + (i + 1) + ": empty name");
      }
      entries.add(new Entry(w[0], w[1].equals("script"), value, prefix));
    }
    return new AgentCliCatalogue(entries, interpreters);
  }

  /**
   * The agent CLI this execution is, or null.
   *
   * @param path the executable as execve got it
   * @param program the process name (comm) after the exec
   * @param argv the arguments after argv[0], as Teleport records them
   */
  public Match match(String path, String program, List<String> argv) {
    String base = baseName(path);
    String name = base.isEmpty() ? program : base;
    for (Entry e : entries) {
      if (!e.script && (nameMatches(name, e) || nameMatches(program, e))) {
        return new Match(e.tool, "program:" + e.value + (e.prefix ? "*" : ""));
      }
    }
    if (!isInterpreter(name) && !isInterpreter(program)) {
      return null;
    }
    List<String> scripts = scriptCandidates(argv);
    for (Entry e : entries) {
      if (e.script) {
        for (String s : scripts) {
          if (scriptMatches(s, e.value)) {
            return new Match(e.tool, "script:" + e.value);
          }
        }
      }
    }
    return null;
  }

  private static boolean nameMatches(String name, Entry e) {
    if (name == null || name.isEmpty()) {
      return false;
    }
    if (e.prefix) {
      String v = e.value.length() > COMM_LEN ? e.value.substring(0, COMM_LEN) : e.value;
      return name.startsWith(v);
    }
    if (name.equals(e.value)) {
      return true;
    }
    // a process name cut at 15 characters
    return name.length() == COMM_LEN && e.value.length() > COMM_LEN && e.value.startsWith(name);
  }

  boolean isInterpreter(String name) {
    if (name == null || name.isEmpty()) {
      return false;
    }
    String n = name.toLowerCase(Locale.ROOT);
    for (String i : interpreters) {
      if (i.endsWith("*") ? n.startsWith(i.substring(0, i.length() - 1)) : n.equals(i)) {
        return true;
      }
    }
    return false;
  }

  /** The first few non-option arguments, and the module after {@code -m}. */
  private static List<String> scriptCandidates(List<String> argv) {
    List<String> out = new ArrayList<>(SCRIPT_ARGS);
    for (int i = 0; i < argv.size() && i < SCRIPT_ARGS; i++) {
      String a = argv.get(i);
      if (a.equals("-m") && i + 1 < argv.size()) {
        out.add(argv.get(i + 1));
        i++;
      } else if (!a.startsWith("-")) {
        out.add(a);
      }
    }
    return out;
  }

  private static boolean scriptMatches(String arg, String pattern) {
    if (arg.equals(pattern) || arg.startsWith(pattern + "@") || arg.contains(pattern + "/")) {
      return true; // the package itself (npx @openai/codex@latest), or a file under it
    }
    String base = baseName(arg);
    int dot = base.lastIndexOf('.');
    String stem = dot > 0 ? base.substring(0, dot) : base;
    return base.equals(pattern) || stem.equals(pattern);
  }

  static String baseName(String path) {
    if (path == null || path.isEmpty()) {
      return "";
    }
    String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    int slash = p.lastIndexOf('/');
    return slash >= 0 ? p.substring(slash + 1) : p;
  }
}
