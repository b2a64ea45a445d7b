package dev.whodrove.classifier;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The shipped cadence scorer tables, read from the JSON resources {@code cadence/<version>.json} next to this class
 * ({@link CadenceTableJson} is the format). {@code cadence@v0} is notes/10 verbatim (thresholds, weights, order);
 * {@code cadence@v1} is the tuned generation documented in docs/classifier.md; later versions are listed in
 * {@link #SHIPPED}. A new model profile is one more profile entry in a new table version; table order is the
 * tie-break order. {@link #resolve} also accepts a table file.
 */
public final class CadenceProfiles {
  /** Tie-break order of the notes/10 registry. */
  public static final List<String> MODELS = List.of("kimi-k2.6", "gemini-3.1", "opus-4.6", "gpt-5.5");
  /** The profile a v1 agent without a profiled model wins with; its cadence.label value. */
  public static final String UNPROFILED_AGENT = "agent";
  /** Versions shipped as resources, oldest first. */
  public static final List<String> SHIPPED = List.of("v0", "v1", "v2");
  /** The default table version. */
  public static final String DEFAULT = "v1";

  // Evidence thresholds the Teleport PTY fallback shares with the v1 table's echo and edit rules
  /** Keystroke echo at or above this share of print events is a person typing. */
  static final double ECHO_HUMAN = 0.25;
  /** Below this share there is no typing to speak of. */
  static final double ECHO_NONE = 0.08;
  /** Edit evidence needs both a few edits and a rate, so one stray cursor escape (clear) is not a human. */
  static final double EDITS_MIN = 3;

  private static final List<CadenceTable> ALL = SHIPPED.stream().map(CadenceProfiles::load).toList();

  /** notes/10 v0 scorers, applied exactly. */
  public static final CadenceTable V0 = byVersion("v0");

  /**
   * v1: absence removed (mid-session gaps over 300 s), human keystroke/edit evidence as counter-evidence for every
   * agent profile, machine-burst vs typing regimes told apart by the median gap, events/s bands closed at the top,
   * and an unprofiled-agent profile so an agent matching no model is still called an agent.
   */
  public static final CadenceTable V1 = byVersion("v1");

  /**
   * v2: v1's absence removal and typing evidence, with model evidence that does not scale with the task (in-burst
   * gap regime, events per turn, gap distribution shape) in place of events per second and absolute pause counts.
   */
  public static final CadenceTable V2 = byVersion("v2");

  private CadenceProfiles() {}

  private static CadenceTable load(String version) {
    String resource = "cadence/" + version + ".json";
    try (InputStream in = CadenceProfiles.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("shipped cadence table " + resource + " is missing from the classpath");
      }
      CadenceTable t = CadenceTableJson.read(in.readAllBytes(), "cadence@" + version);
      if (!t.version().equals(version)) {
        throw new IllegalStateException("shipped cadence table " + resource + " says version " + t.version());
      }
      return t;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The shipped table of a version ({@code v0}, {@code v1}, also spelled {@code cadence@v1}). */
  public static CadenceTable byVersion(String version) {
    String v = version.startsWith("cadence@") ? version.substring("cadence@".length()) : version;
    return ALL.stream().filter(t -> t.version().equals(v)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown cadence table " + version + " (known: "
            + String.join(", ", SHIPPED) + ")"));
  }

  /**
   * A shipped version, or else a table file (its own version is what labels are stamped with).
   *
   * @throws IllegalArgumentException for an unknown version that is no file, or a file that is no valid table
   */
  public static CadenceTable resolve(String versionOrFile) {
    String v = versionOrFile.startsWith("cadence@") ? versionOrFile.substring("cadence@".length()) : versionOrFile;
    if (SHIPPED.contains(v)) {
      return byVersion(v);
    }
    Path file = Path.of(versionOrFile);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("'" + versionOrFile + "' is neither a shipped cadence table ("
          + SHIPPED.stream().collect(Collectors.joining(", ")) + ") nor a table file");
    }
    try {
      return CadenceTableJson.read(Files.readAllBytes(file), file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("cadence table " + file + ": cannot read: " + e.getMessage());
    }
  }

  public static List<CadenceTable> all() {
    return ALL;
  }
}
