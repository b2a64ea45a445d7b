package dev.whodrove.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.classifier.CadenceProfiles;
import dev.whodrove.classifier.Classifier;
import dev.whodrove.classifier.ClassifierConfig;
import dev.whodrove.featurizer.GcpFeaturizer;
import dev.whodrove.featurizer.TeleportSessionAccumulator;
import dev.whodrove.ingest.gcp.AuditLogParser;
import dev.whodrove.ingest.teleport.AuditEventParser;
import dev.whodrove.ingest.teleport.EventRejectedException;
import dev.whodrove.ingest.gcp.ParseOutcome;
import dev.whodrove.schemas.JsonRender;
import dev.whodrove.schemas.v1.CadenceSegment;
import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import dev.whodrove.sink.SessionDatabase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Offline: the services' own decode → features → classify code over files, no broker. */
@Command(name = "parse", mixinStandardHelpOptions = true,
    description = {"Decode recordings (Teleport ProtoStream <sid>.tar or asciicast v2/v3), compute their features and "
        + "classify them, offline, with the same code the services run.",
        "With --gcp: Cloud Audit Log JSONL archives (optionally .gz) → synthetic sessions and gcloud bursts.",
        "With --audit: Teleport JSON audit logs (the file backend's one event per line) joined to the recordings by "
            + "session id, as the featurizer joins them; ended sessions of the audit logs without a recording among "
            + "the inputs print after the recordings, as the featurizer emits them once their recording wait is over.",
        "A file that cannot be read prints one error line on stderr; the others still print; the exit status is 1.",
        "With --db FILE the verdicts are also written into a sessions.sqlite by the sink's own code, as the pipeline "
            + "would have written them: ./whodrove label ls --db FILE and sessions show query it."})
public final class ParseCommand implements Callable<Integer> {
  /** Created on first use (the setup thread gets there first), not when the command line is parsed. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  @Parameters(paramLabel = "FILE", arity = "0..*", description = "Files or directories (read in name order).")
  List<Path> inputs = new ArrayList<>();

  @Option(names = "--audit", paramLabel = "AUDIT.log", arity = "1..*",
      description = "Teleport JSON audit logs, or directories searched for them (a Teleport data dir's log/); takes "
          + "the files up to the next option, so give it before another option (--json) or repeat it.")
  List<Path> audit;

  @Option(names = "--gcp", description = "Inputs are Cloud Audit Log JSONL archives.")
  boolean gcp;

  @Option(names = "--json", description = "One JSON object per line: file, session_id, features, segments, labels.")
  boolean json;

  @Option(names = "--cadence-table", paramLabel = "TABLE",
      description = "Cadence table: a shipped version (v0, v1, ...) or a table file (JSON, as written by "
          + "'profiles fit'). Default: the classifier's default.")
  String cadenceTable;

  @Option(names = "--db", paramLabel = "FILE", description = "Also write the verdicts into this SQLite file "
      + "(created if missing; sessions already in it are updated as the sink updates them).")
  Path db;

  /** The database of --db, open while the files are parsed. */
  private SessionDatabase store;
  private int stored;

  @Option(names = "--threads", paramLabel = "N",
      description = "Threads per recording: a ProtoStream recording is decoded N parts at a time, on N threads, "
          + "while this one featurizes; 1 does everything on one thread. Default: one per processor, at most 4. "
          + "Output is the same for any N.")
  int threads = OfflineRecording.DEFAULT_THREADS;

  /** Ready once the first verdict is due: loading its tables and the JSON printer overlaps the first decode. */
  private CompletableFuture<Classifier> classifier;
  private int failures;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (inputs.isEmpty() && audit == null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "Missing required parameter: '<FILE>' (or --audit AUDIT.log)");
    }
    if (gcp && audit != null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--audit is for Teleport, not with --gcp");
    }
    if (threads < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be at least 1, not " + threads);
    }
    if (cadenceTable != null) { // a table the user named: a bad one is reported before any file is read
      classifier = CompletableFuture.completedFuture(
          new Classifier(ClassifierConfig.defaults().withCadence(CadenceProfiles.resolve(cadenceTable))));
    } else {
      classifier = loadInBackground();
    }
    List<Path> files = expand(inputs);
    if (db != null) {
      store = SessionDatabase.open(db);
    }
    try {
      if (gcp) {
        parseGcp(files);
      } else if (audit != null) {
        parseWithAudit(expandAudit(audit), files);
      } else {
        for (Path f : files) {
          parseRecording(f);
        }
      }
    } finally {
      if (store != null) {
        store.close();
        System.err.printf("whodrove parse: %d verdict(s) written to %s%n", stored, db);
      }
    }
    return failures == 0 ? 0 : 1;
  }

  /**
   * Audit log files: files as given; a directory (a Teleport data dir's {@code log}, or one auth server's directory
   * under it) searched for {@code *.log}, {@code *.json} and {@code *.jsonl} files as Teleport searches its own,
   * leaving out {@code records}, {@code upload} and {@code playbacks} and the {@code events.log} symlink (it points
   * to a file read anyway).
   */
  private static List<Path> expandAudit(List<Path> in) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path p : in) {
      if (!Files.isDirectory(p)) {
        out.add(p);
        continue;
      }
      try (Stream<Path> s = Files.walk(p)) {
        s.filter(f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS))
            .filter(f -> f.getFileName().toString().matches(".*\\.(log|json|jsonl)(\\.gz)?"))
            .filter(f -> {
              for (Path part : p.relativize(f)) {
                if (Set.of("records", "upload", "playbacks").contains(part.toString())) {
                  return false;
                }
              }
              return true;
            })
            .sorted().forEach(out::add);
      }
    }
    return out;
  }

  /** A session's audit events, and the file its first one came from. */
  private record AuditSession(Path file, List<TeleportAuditEvent> events) {}

  private void parseWithAudit(List<Path> auditFiles, List<Path> recordings) {
    Map<String, AuditSession> bySession = readAudit(auditFiles);
    for (Path f : recordings) {
      String sid = OfflineRecording.sessionId(f);
      AuditSession a = bySession.remove(sid);
      SessionFeatures features;
      try {
        features = OfflineRecording.featurize(f, OfflineRecording.NO_PRINTS, a == null ? List.of() : a.events(),
            threads);
      } catch (IOException | RuntimeException e) {
        fail(f, e.getMessage() == null ? e.toString() : e.getMessage());
        continue;
      }
      emit(f, features.toBuilder().setRevision(1).setComputedAtMs(features.getEndedMs()).build());
    }
    // sessions with no recording among the inputs: what the featurizer emits once the recording wait is over
    bySession.forEach((sid, a) -> {
      TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
      try {
        a.events().forEach(acc::addAudit);
      } catch (RuntimeException e) {
        fail(a.file(), "session " + sid + ": " + e.getMessage());
        return;
      }
      if (!acc.auditEndSeen()) {
        return; // the featurizer emits a session without a recording only once it ended
      }
      SessionFeatures f = acc.build(sid);
      emit(a.file(), f.toBuilder().setRevision(1).setComputedAtMs(f.getEndedMs()).build());
    });
  }

  /** Audit events by session id, in file order; events outside a session are skipped. */
  private Map<String, AuditSession> readAudit(List<Path> files) {
    AuditEventParser parser = new AuditEventParser();
    Map<String, AuditSession> out = new LinkedHashMap<>();
    for (Path file : files) {
      int bad = 0;
      long lineNo = 0;
      try (BufferedReader r = new BufferedReader(new InputStreamReader(open(file), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lineNo++;
          if (line.isBlank()) {
            continue;
          }
          try {
            TeleportAuditEvent e = parser.parse(line, SourcePosition.newBuilder().setSource("file")
                .setLocator(file.toString()).setOffset(lineNo).build());
            if (!e.getSessionId().isEmpty()) {
              out.computeIfAbsent(e.getSessionId(), k -> new AuditSession(file, new ArrayList<>())).events().add(e);
            }
          } catch (EventRejectedException e) {
            bad++;
          }
        }
      } catch (IOException | RuntimeException e) {
        fail(file, e.getMessage() == null ? e.toString() : e.getMessage());
        continue;
      }
      if (bad > 0) {
        System.err.println("whodrove parse: " + file + ": skipped " + bad + " line(s) that are not audit events");
      }
    }
    return out;
  }

  private List<Path> expand(List<Path> in) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path p : in) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.list(p)) {
          s.filter(Files::isRegularFile).sorted().forEach(out::add);
        }
      } else {
        out.add(p);
      }
    }
    return out;
  }

  private void fail(Path file, String reason) {
    failures++;
    System.err.println("whodrove parse: " + file + ": " + reason);
  }

  private void parseRecording(Path file) {
    SessionFeatures f;
    try {
      f = OfflineRecording.featurize(file, OfflineRecording.NO_PRINTS, List.of(), threads);
    } catch (IOException | RuntimeException e) {
      fail(file, e.getMessage() == null ? e.toString() : e.getMessage());
      return;
    }
    // computed_at stamps set_at; the session's end keeps the output the same on every run
    emit(file, f.toBuilder().setRevision(1).setComputedAtMs(f.getEndedMs()).build());
  }

  private void parseGcp(List<Path> files) {
    AuditLogParser parser = new AuditLogParser();
    List<GcpAuditEntry> entries = new ArrayList<>();
    Map<String, Path> fileOfPrincipal = new LinkedHashMap<>();
    for (Path file : files) {
      int bad = 0;
      try (BufferedReader r = new BufferedReader(new InputStreamReader(open(file), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.isBlank()) {
            continue;
          }
          ParseOutcome o = parser.parse(line.getBytes(StandardCharsets.UTF_8));
          if (o instanceof ParseOutcome.Accepted a) {
            entries.add(a.entry());
            fileOfPrincipal.putIfAbsent(a.entry().getPrincipal(), file);
          } else {
            bad++;
          }
        }
      } catch (IOException | RuntimeException e) {
        fail(file, e.getMessage() == null ? e.toString() : e.getMessage());
        continue;
      }
      if (bad > 0) {
        System.err.println("whodrove parse: " + file + ": skipped " + bad + " line(s) that are not audit log entries");
      }
    }
    entries.sort(java.util.Comparator.comparingLong(GcpAuditEntry::getTimestampMs));
    for (SessionFeatures f : GcpFeaturizer.featurize(entries)) {
      String principal = f.hasBurst() ? f.getBurst().getPrincipal() : f.getGcp().getPrincipal();
      emit(fileOfPrincipal.getOrDefault(principal, files.get(0)), f.toBuilder().setComputedAtMs(f.getEndedMs())
          .build());
    }
  }

  private static InputStream open(Path file) throws IOException {
    InputStream in = Files.newInputStream(file);
    return file.toString().endsWith(".gz") ? new GZIPInputStream(in, 65536) : in;
  }

  /**
   * The default classifier, built on a thread of its own (about a third of a second of class loading and table
   * parsing), with the JSON printer warmed up beside it.
   */
  private static CompletableFuture<Classifier> loadInBackground() {
    CompletableFuture<Classifier> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        Classifier c = new Classifier(ClassifierConfig.defaults());
        Json.MAPPER.readTree(JsonRender.compact(SessionFeatures.getDefaultInstance()));
        f.complete(c);
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    }, "whodrove-parse-setup");
    t.setDaemon(true);
    t.start();
    return f;
  }

  private Classifier classifier() {
    try {
      return classifier.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  private void emit(Path file, SessionFeatures f) {
    SessionVerdict v = classifier().classify(f).verdict();
    if (store != null) {
      try {
        store.apply(v);
        stored++;
      } catch (SQLException e) {
        throw new IllegalStateException("cannot write the verdict of " + f.getSessionId() + " to " + db + ": "
            + e.getMessage(), e);
      }
    }
    Map<String, String> labels = new LinkedHashMap<>();
    for (Label l : v.getLabelsList()) {
      labels.put(l.getKey(), l.getValue());
    }
    if (json) {
      try {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("file", file.toString()).put("session_id", f.getSessionId());
        n.set("features", Json.MAPPER.readTree(JsonRender.compact(f.toBuilder().clearSegments().build())));
        ArrayNode segs = n.putArray("segments");
        for (CadenceSegment s : f.getSegmentsList()) {
          segs.add(Json.MAPPER.readTree(JsonRender.compact(s)));
        }
        ObjectNode ln = n.putObject("labels");
        labels.forEach(ln::put);
        System.out.println(n);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    } else {
      System.out.printf("%s  %s  %s%n", file.getFileName(), f.getSessionId(), f.getSubstrate());
      labels.forEach((k, val) -> System.out.printf("    %-28s %s%n", k, val));
    }
  }
}
