package dev.whodrove.siem;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The whodrove release this module was built as (the build writes it into {@code release.properties}). */
final class SiemRelease {
  /** The release, e.g. {@code 0.1.0}, or {@code dev} when the resource was not filtered. */
  static final String VERSION = load();

  private SiemRelease() {}

  private static String load() {
    Properties p = new Properties();
    try (InputStream in = SiemRelease.class.getResourceAsStream("release.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String v = p.getProperty("release", "");
    return v.isBlank() || v.startsWith("${") ? "dev" : v.trim();
  }
}
