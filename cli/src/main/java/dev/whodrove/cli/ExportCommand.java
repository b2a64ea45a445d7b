package dev.whodrove.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Callable;
import org.sqlite.SQLiteConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A consistent copy of a {@code sessions.sqlite} the sink may be writing. The sink writes in WAL mode: committed
 * transactions sit in {@code sessions.sqlite-wal} until a checkpoint, so copying the main file alone (a plain
 * {@code cp}, {@code docker compose cp}) can give a file without the newest verdicts, or a torn one if a checkpoint
 * runs during the copy. {@code VACUUM INTO} reads one snapshot through SQLite, WAL included, and writes a new,
 * self-contained file.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Copy a sessions.sqlite, safely while the sink writes it: one consistent snapshot (the WAL "
        + "included) written by SQLite itself (VACUUM INTO) to a new single file, for analysts and backups.",
        "Copying the file itself (cp, docker compose cp) misses what is still in sessions.sqlite-wal."})
public final class ExportCommand implements Callable<Integer> {
  @Option(names = "--db", defaultValue = "sessions.sqlite", description = "Database to copy. Default: "
      + "${DEFAULT-VALUE}.")
  Path db;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "The copy; must not exist unless "
      + "--force.")
  Path out;

  @Option(names = "--force", description = "Replace --out if it exists.")
  boolean force;

  @Override
  public Integer call() throws Exception {
    LabelCommand.requireDb(db);
    Path target = out.toAbsolutePath();
    if (Files.exists(target) && !force) {
      throw new IllegalArgumentException(out + " exists (use --force to replace it)");
    }
    if (target.equals(db.toAbsolutePath())) {
      throw new IllegalArgumentException("--out is the database itself");
    }
    Files.createDirectories(target.getParent());
    // written beside the target, then moved over it: a failed export never leaves half a file under its name
    Path partial = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".partial");
    Files.delete(partial); // VACUUM INTO wants a file that does not exist (or is empty)
    try {
      snapshot(db, partial);
      long sessions = count(partial);
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      System.out.printf("exported %s to %s: %d session(s), %d bytes%n", db, out, sessions, Files.size(target));
    } finally {
      Files.deleteIfExists(partial);
    }
    return 0;
  }

  /** One read transaction's view of {@code db} (WAL included) as a new, self-contained file. */
  static void snapshot(Path db, Path target) throws SQLException {
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setReadOnly(true);
    cfg.setBusyTimeout(10_000);
    try (Connection c = cfg.createConnection("jdbc:sqlite:" + db.toAbsolutePath());
        Statement st = c.createStatement()) {
      st.execute("VACUUM INTO '" + target.toString().replace("'", "''") + "'");
    } catch (SQLException e) {
      throw new SQLException("cannot copy " + db + ": " + e.getMessage(), e);
    }
    // the copy keeps the original's WAL mode in its header; a copy is read, not written by a sink: one file
    try (Connection c = new SQLiteConfig().createConnection("jdbc:sqlite:" + target.toAbsolutePath());
        Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=DELETE");
    }
  }

  private static long count(Path db) throws SQLException {
    try (Connection c = new SQLiteConfig().createConnection("jdbc:sqlite:" + db.toAbsolutePath());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM sessions")) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      return -1; // not a sessions database; the copy is still a copy
    }
  }
}
