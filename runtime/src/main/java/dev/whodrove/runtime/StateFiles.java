package dev.whodrove.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Position files of the ingest sources that turn out to be corrupt: a service starts without what it cannot read,
 * and the file is moved aside as {@code <name>.corrupt-<UTC time>} next to it, for the operator to look at, instead
 * of being overwritten by the next save.
 */
public final class StateFiles {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
      .withZone(ZoneOffset.UTC);

  private StateFiles() {}

  /**
   * Renames {@code file} to {@code <name>.corrupt-<time>} in its directory and returns the new path.
   *
   * @throws IOException when it cannot be moved (then it must not be overwritten either)
   */
  public static Path setAside(Path file, Instant now) throws IOException {
    String base = file.getFileName() + ".corrupt-" + STAMP.format(now);
    Path aside = file.resolveSibling(base);
    for (int i = 1; Files.exists(aside); i++) {
      aside = file.resolveSibling(base + "-" + i);
    }
    return Files.move(file, aside);
  }
}
