package dev.whodrove.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/**
 * Real asciicast v2 recordings, stored once for every module's tests: seven people doing shell exercises
 * ({@code human/h1…h7}) and three agent harnesses from terminal-bench ({@code agent/a1…a3}). They are resources of
 * this module under {@code asciicast/<driver>/<name>.cast}.
 */
public final class AsciicastFixtures {
  /** One recording: who drove it ({@code human} or {@code agent}) and its name (the file name without .cast). */
  public record Fixture(String driver, String name) {
    public String fileName() {
      return name + ".cast";
    }

    /** The classpath resource, e.g. {@code /asciicast/human/h1-brain-even-bash.cast}. */
    public String resource() {
      return "/asciicast/" + driver + "/" + fileName();
    }

    public byte[] bytes() {
      try (InputStream in = AsciicastFixtures.class.getResourceAsStream(resource())) {
        if (in == null) {
          throw new IllegalStateException("missing fixture " + resource());
        }
        return in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Every fixture, people first, each group in name order. */
  public static final List<Fixture> ALL = List.of(
      new Fixture("human", "h1-brain-even-bash"),
      new Fixture("human", "h2-brain-even-zsh-macos"),
      new Fixture("human", "h3-brain-games-node-wsl"),
      new Fixture("human", "h4-brain-games-paste"),
      new Fixture("human", "h5-brain-games-php"),
      new Fixture("human", "h6-brain-progression-zsh"),
      new Fixture("human", "h7-long-session-nested-rec"),
      new Fixture("agent", "a1-codex-cli-o4-mini_usaco-1012"),
      new Fixture("agent", "a2-mini-swe-agent-claude-sonnet-4_hello-world"),
      new Fixture("agent", "a3-mini-swe-agent-claude-sonnet-4_openssl-selfsigned-cert"));

  private static Path directory;

  private AsciicastFixtures() {}

  /** The fixture whose name starts with {@code prefix} (e.g. {@code h7} or {@code a1}). */
  public static Fixture named(String prefix) {
    return ALL.stream().filter(f -> f.name().startsWith(prefix)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no fixture " + prefix));
  }

  /**
   * A directory holding the recordings as files, {@code human/} and {@code agent/}: the resource directory itself
   * when the classes are not in a jar, else a copy made once per JVM (deleted at exit).
   */
  public static synchronized Path directory() {
    if (directory == null) {
      directory = locate();
    }
    return directory;
  }

  private static Path locate() {
    URL first = AsciicastFixtures.class.getResource(ALL.get(0).resource());
    if (first == null) {
      throw new IllegalStateException("missing fixture " + ALL.get(0).resource());
    }
    try {
      if (first.getProtocol().equals("file")) {
        return Path.of(first.toURI()).getParent().getParent();
      }
      Path dir = Files.createTempDirectory("asciicast-fixtures");
      for (Fixture f : ALL) {
        Path file = dir.resolve(f.driver()).resolve(f.fileName());
        Files.createDirectories(file.getParent());
        Files.write(file, f.bytes());
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void delete(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp directory left behind
    }
  }
}
