package dev.whodrove.sink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;

/**
 * A consistent copy of a {@code sessions.sqlite} the sink may be writing. The sink writes in WAL mode: committed
 * transactions sit in {@code sessions.sqlite-wal} until a checkpoint, so copying the main file alone ({@code cp},
 * {@code docker compose cp}) can give a file without the newest verdicts, or a torn one when a checkpoint runs during
 * the copy. {@code VACUUM INTO} reads one snapshot through SQLite, the WAL included, and writes a new file that needs
 * no other.
 *
 * <p>{@code ./whodrove export} runs it; so does the service image, beside the sink's volume:
 * {@code /app/service export --db /data/sessions.sqlite --out /data/export.sqlite}.
 */
public final class DatabaseExport {
  /** What an export wrote. */
  public record Result(Path out, long sessions, long bytes) {}

  private DatabaseExport() {}

  /**
   * Copies {@code db} to {@code out}, which must not exist unless {@code replace}. The copy is written beside
   * {@code out} and moved over it at the end: a failed export never leaves half a file under its name.
   */
  public static Result export(Path db, Path out, boolean replace) throws IOException, SQLException {
    if (!Files.isRegularFile(db)) {
      throw new IllegalArgumentException("no database at " + db);
    }
    Path target = out.toAbsolutePath();
    if (target.equals(db.toAbsolutePath())) {
      throw new IllegalArgumentException("the copy cannot be the database itself: " + out);
    }
    if (Files.exists(target) && !replace) {
      throw new IllegalArgumentException(out + " exists (use --force to replace it)");
    }
    Files.createDirectories(target.getParent());
    Path partial = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".partial");
    Files.delete(partial); // VACUUM INTO writes a file that does not exist yet
    try {
      snapshot(db, partial);
      long sessions = sessions(partial);
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new Result(out, sessions, Files.size(target));
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  /** One read transaction's view of {@code db} (WAL included) as a new, self-contained file. */
  static void snapshot(Path db, Path target) throws SQLException {
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setReadOnly(true);
    cfg.setBusyTimeout(10_000);
    try (Connection c = cfg.createConnection("jdbc:sqlite:" + db.toAbsolutePath());
        Statement st = c.createStatement()) {
      st.execute("VACUUM INTO '" + target.toAbsolutePath().toString().replace("'", "''") + "'");
    } catch (SQLException e) {
      throw new SQLException("cannot copy " + db + ": " + e.getMessage(), e);
    }
    // the copy inherits WAL mode from the original's header; it is read, not written by a sink: one file, no -wal
    try (Connection c = new SQLiteConfig().createConnection("jdbc:sqlite:" + target.toAbsolutePath());
        Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=DELETE");
    }
  }

  /** Sessions in the copy; -1 when it is not a sessions database (the copy is still a copy). */
  private static long sessions(Path db) {
    try (Connection c = new SQLiteConfig().createConnection("jdbc:sqlite:" + db.toAbsolutePath());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM sessions")) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      return -1;
    }
  }

  /** {@code --db FILE --out FILE [--force]}: what the image runs as {@code /app/service export}. */
  public static void main(String[] args) {
    Path db = Path.of("sessions.sqlite");
    Path out = null;
    boolean force = false;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--db" -> db = Path.of(args[++i]);
          case "--out" -> out = Path.of(args[++i]);
          case "--force" -> force = true;
          default -> throw new IllegalArgumentException("unknown argument " + args[i]);
        }
      }
      if (out == null) {
        throw new IllegalArgumentException("--out FILE is required");
      }
    } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
      System.err.println("export: " + (e instanceof IllegalArgumentException ? e.getMessage() : "a value is missing")
          + "; usage: export --db FILE --out FILE [--force]");
      System.exit(2);
      return;
    }
    try {
      Result r = export(db, out, force);
      System.out.printf("exported %s to %s: %d session(s), %d bytes%n", db, r.out(), r.sessions(), r.bytes());
    } catch (IllegalArgumentException | IOException | SQLException e) {
      System.err.println("export: " + e.getMessage());
      System.exit(1);
    }
  }
}
