package dev.whodrove.ingest.teleport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Reads the Teleport audit fixtures copied into the test resources. */
final class Fixtures {
  static final List<String> FILES = List.of("ssh-sessions.jsonl", "session-stream-print-events.jsonl",
      "auth-and-admin.jsonl", "kube-db-app-desktop.jsonl", "panther-handwritten.jsonl");

  private Fixtures() {}

  static List<String> lines(String file) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/teleport-audit/" + file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** 1-based line of a fixture file. */
  static String line(String file, int n) {
    return lines(file).get(n - 1);
  }
}
