package dev.whodrove.sink;

import dev.whodrove.schemas.v1.CadenceSegment;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.sqlite.SQLiteConfig;

/**
 * Sink throughput against a bare batched JDBC insert of the same rows (docs/architecture.md §8.1: at least 0.8×).
 *
 * <p>Both sides write into a fresh file with the same schema, indexes and pragmas (WAL, synchronous=FULL, foreign
 * keys on), in transactions of {@code batch} sessions. The sink side maps each verdict to rows and upserts with
 * label precedence and child-row replacement; the baseline gets the rows ready-made and plainly INSERTs them.
 *
 * <p>Run: {@code mvn -B -o -q -Pbench -pl sqlite-sink -am test-compile exec:exec
 * [-Dbench.args="sessions batch rounds"]} (docs/benchmarks.md).
 */
public final class SinkBench {
  private SinkBench() {}

  public static void main(String[] args) throws Exception {
    int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    List<SessionVerdict> verdicts = verdicts(sessions);
    Path dir = Files.createTempDirectory("sinkbench");
    System.out.printf("sessions=%d labels/session=20 notable/session=3 segments/session=2 batch=%d rounds=%d%n",
        sessions, batch, rounds);
    double[] sink = new double[rounds];
    double[] bare = new double[rounds];
    double[] redeliver = new double[rounds];
    double[] ratio = new double[rounds];
    double[] cpuRatio = new double[rounds];
    for (int r = -1; r < rounds; r++) { // round -1 warms up
      // Alternate which side runs first, so drifting machine load does not favour one.
      Path file = dir.resolve("sink" + r + ".sqlite");
      double b;
      double s;
      double bc;
      double sc;
      if (r % 2 == 0) {
        b = bareInsert(dir.resolve("bare" + r + ".sqlite"), verdicts, batch);
        bc = lastCpuRate;
        s = sinkUpsert(file, verdicts, batch);
        sc = lastCpuRate;
      } else {
        s = sinkUpsert(file, verdicts, batch);
        sc = lastCpuRate;
        b = bareInsert(dir.resolve("bare" + r + ".sqlite"), verdicts, batch);
        bc = lastCpuRate;
      }
      double again = sinkUpsert(file, verdicts, batch); // same rows again: every upsert hits a conflict
      if (r >= 0) {
        sink[r] = s;
        bare[r] = b;
        redeliver[r] = again;
        ratio[r] = s / b;
        cpuRatio[r] = sc / bc;
      }
      System.out.printf("round %d: sink %.0f sessions/s, bare insert %.0f sessions/s (ratio %.2f; per CPU-second "
          + "sink %.0f, bare %.0f, ratio %.2f), sink redelivery %.0f sessions/s%n", r, s, b, s / b, sc, bc, sc / bc,
          again);
    }
    System.out.printf("median: sink %.0f sessions/s, bare %.0f sessions/s, median per-round ratio %.2f; "
        + "CPU-time ratio %.2f; redelivery %.0f sessions/s%n", median(sink), median(bare), median(ratio),
        median(cpuRatio), median(redeliver));
    try (var files = Files.list(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    Files.deleteIfExists(dir);
  }

  static List<SessionVerdict> verdicts(int n) {
    List<SessionVerdict> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      SessionVerdict.Builder v = Verdicts.teleport("bench-" + i, 1, 3).toBuilder();
      for (int k = 0; k < 20; k++) {
        v.addLabels(Label.newBuilder().setKey("bench.key" + k).setValue("value-" + (i + k) % 7)
            .setSetBy(k == 0 ? "manual:bench" : "phase1-classifier@v1").setSetAtMs(Verdicts.T0 + i));
      }
      out.add(v.build());
    }
    return out;
  }

  /** Sessions per second through {@link SessionDatabase#apply}. */
  static double sinkUpsert(Path file, List<SessionVerdict> verdicts, int batch) throws SQLException {
    try (SessionDatabase store = SessionDatabase.open(file)) {
      long t0 = System.nanoTime();
      long c0 = CPU.getCurrentThreadCpuTime();
      for (int i = 0; i < verdicts.size(); i += batch) {
        store.apply(verdicts.subList(i, Math.min(verdicts.size(), i + batch)));
      }
      lastCpuRate = verdicts.size() / ((CPU.getCurrentThreadCpuTime() - c0) / 1e9);
      return verdicts.size() / ((System.nanoTime() - t0) / 1e9);
    }
  }

  private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();
  /** Sessions per CPU-second of the last measured run (this thread only: excludes fsync waits and other load). */
  private static double lastCpuRate;

  /** Rows of one session as plain values, prepared before timing. */
  private record Rows(Object[] session, List<Object[]> labels, List<Object[]> notables, List<Object[]> segments) {}

  /** Sessions per second for plain batched INSERTs of the same rows. */
  static double bareInsert(Path file, List<SessionVerdict> verdicts, int batch) throws SQLException {
    SessionDatabase.open(file).close(); // same schema and indexes
    long now = System.currentTimeMillis();
    List<Rows> rows = new ArrayList<>(verdicts.size());
    for (SessionVerdict v : verdicts) {
      List<Object[]> labels = new ArrayList<>();
      for (Label l : v.getLabelsList()) {
        labels.add(new Object[] {v.getSessionId(), l.getKey(), l.getValue(), l.getSetBy(),
            Rfc3339.seconds(l.getSetAtMs()), l.getSetAtMs()});
      }
      List<Object[]> notables = new ArrayList<>();
      for (NotableEvent e : v.getFeatures().getNotableEventsList()) {
        notables.add(new Object[] {v.getSessionId(), Rfc3339.millis(e.getTimeMs()), SessionRows.eventType(e.getKind()),
            SessionRows.payload(e), e.getRef()});
      }
      List<Object[]> segments = new ArrayList<>();
      for (CadenceSegment s : v.getFeatures().getSegmentsList()) {
        Object[] row = new Object[4 + DatabaseLayout.CADENCE_BLOCK.size()];
        row[0] = v.getSessionId();
        row[1] = s.getIndex();
        row[2] = Rfc3339.seconds(s.getStartMs());
        row[3] = Rfc3339.seconds(s.getEndMs());
        SessionRows.cadence(s.getCadence(), row, 4);
        segments.add(row);
      }
      rows.add(new Rows(SessionRows.sessionRow(v, now), labels, notables, segments));
    }
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
    cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    cfg.enforceForeignKeys(true);
    try (Connection c = cfg.createConnection("jdbc:sqlite:" + file)) {
      c.setAutoCommit(false);
      List<String> cols = SessionRows.FEATURE_COLUMNS;
      String segCols = String.join(", ", Arrays.stream(DatabaseLayout.CADENCE_BLOCK.toArray(new String[0][]))
          .map(a -> a[0]).toList());
      try (PreparedStatement s = c.prepareStatement("INSERT INTO sessions (" + String.join(", ", cols) + ") VALUES ("
              + "?, ".repeat(cols.size() - 1) + "?)");
          PreparedStatement l = c.prepareStatement("INSERT INTO session_labels (session_id, key, value, set_by, "
              + "set_at, set_at_ms) VALUES (?, ?, ?, ?, ?, ?)");
          PreparedStatement n = c.prepareStatement("INSERT INTO notable_events (session_id, event_time, event_type, "
              + "payload, ref) VALUES (?, ?, ?, ?, ?)");
          PreparedStatement g = c.prepareStatement("INSERT INTO cadence_segments (session_id, segment_index, "
              + "start_at, end_at, " + segCols + ") VALUES (?, ?, ?, ?" + ", ?".repeat(DatabaseLayout.CADENCE_BLOCK.size())
              + ")")) {
        long t0 = System.nanoTime();
        long c0 = CPU.getCurrentThreadCpuTime();
        for (int i = 0; i < rows.size(); i += batch) {
          for (Rows r : rows.subList(i, Math.min(rows.size(), i + batch))) {
            SessionWriter.bind(s, r.session());
            s.addBatch();
            for (Object[] x : r.labels()) {
              SessionWriter.bind(l, x);
              l.addBatch();
            }
            for (Object[] x : r.notables()) {
              SessionWriter.bind(n, x);
              n.addBatch();
            }
            for (Object[] x : r.segments()) {
              SessionWriter.bind(g, x);
              g.addBatch();
            }
          }
          s.executeBatch();
          l.executeBatch();
          n.executeBatch();
          g.executeBatch();
          c.commit();
        }
        lastCpuRate = rows.size() / ((CPU.getCurrentThreadCpuTime() - c0) / 1e9);
        return rows.size() / ((System.nanoTime() - t0) / 1e9);
      }
    }
  }

  private static double median(double[] xs) {
    double[] c = xs.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }
}
