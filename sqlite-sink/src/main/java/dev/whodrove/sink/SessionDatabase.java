package dev.whodrove.sink;

import dev.whodrove.schemas.v1.SessionVerdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * {@code sessions.sqlite}: a SQLite file the study CLIs can read too (see {@link DatabaseLayout}), written in WAL mode, so
 * readers
 * such as the CLI or {@code sqlite3} can query while the sink writes. {@link #apply} stores a batch of verdicts in
 * one transaction; {@link #listSessions} and {@link #showSession} are the query API.
 */
public final class SessionDatabase implements AutoCloseable {
  /** How the file is opened. */
  public record Options(Duration busyTimeout, String synchronous, boolean readOnly) {
    /** Writer defaults: wait up to 5 s for locks, fsync every commit (offsets are committed after it). */
    public static Options writer() {
      return new Options(Duration.ofSeconds(5), "FULL", false);
    }

    /** Reader defaults: no migration, no writes. */
    public static Options reader() {
      return new Options(Duration.ofSeconds(5), "NORMAL", true);
    }
  }

  /** What one batch changed. */
  public record ApplyResult(int verdicts, int sessionRows, int labelsApplied, int labelsOutranked, int childRows) {
    /** Rows inserted or updated, all tables. */
    public int rowsUpserted() {
      return sessionRows + labelsApplied + childRows;
    }

    static final ApplyResult NONE = new ApplyResult(0, 0, 0, 0, 0);

    /** This result plus one stored verdict. */
    ApplyResult plus(SessionWriter.Written w) {
      return new ApplyResult(verdicts + 1, sessionRows + w.sessions(), labelsApplied + w.labelsApplied(),
          labelsOutranked + w.labelsOutranked(), childRows + w.childRows());
    }
  }

  private final Path path;
  private final Options options;
  private Connection conn;
  private SessionWriter writer;

  private SessionDatabase(Path path, Options options) throws SQLException {
    this.path = path;
    this.options = options;
    connect();
  }

  /** Opens (creating if needed) and migrates the file for writing. */
  public static SessionDatabase open(Path path) throws SQLException {
    return open(path, Options.writer());
  }

  public static SessionDatabase open(Path path, Options options) throws SQLException {
    return new SessionDatabase(path, options);
  }

  /** Opens an existing file for queries only; it is not migrated, so a file of the study CLIs stays untouched. */
  public static SessionDatabase openReadOnly(Path path) throws SQLException {
    if (!Files.exists(path)) {
      throw new SQLException("no such database file: " + path);
    }
    return new SessionDatabase(path, Options.reader());
  }

  private void connect() throws SQLException {
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, options.busyTimeout().toMillis()));
    cfg.enforceForeignKeys(true);
    if (options.readOnly()) {
      cfg.setReadOnly(true);
    } else {
      cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
      cfg.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(options.synchronous().toUpperCase(java.util.Locale.ROOT)));
      cfg.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    }
    Path parent = path.toAbsolutePath().getParent();
    if (!options.readOnly() && parent != null) {
      try {
        Files.createDirectories(parent);
      } catch (java.io.IOException e) {
        throw new SQLException("cannot create directory " + parent + ": " + e.getMessage(), e);
      }
    }
    Connection c = cfg.createConnection("jdbc:sqlite:" + path.toAbsolutePath());
    try {
      if (!options.readOnly()) {
        try {
          DatabaseLayout.migrate(c);
        } catch (SQLException e) {
          throw new SQLException("migrate " + path + ": " + e.getMessage(), e);
        }
        // Auto-commit mode between batches: the driver would otherwise open the next transaction right after a
        // commit and hold the write lock (and a WAL snapshot) while idle. Batches run BEGIN IMMEDIATE themselves.
        c.setAutoCommit(true);
        writer = new SessionWriter(c);
      }
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    conn = c;
  }

  public Path path() {
    return path;
  }

  /**
   * Stores a batch in one transaction: all of it or none of it. Verdicts are applied in order, so for one session
   * and key a later delivery is seen after an earlier one.
   */
  public ApplyResult apply(List<SessionVerdict> verdicts) throws SQLException {
    requireWritable();
    long now = System.currentTimeMillis();
    ApplyResult result = ApplyResult.NONE;
    begin();
    try {
      for (SessionVerdict v : verdicts) {
        result = result.plus(writer.write(v, now));
      }
      exec("COMMIT");
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly(e);
      throw e;
    }
    return result;
  }

  /** Convenience for one verdict. */
  public ApplyResult apply(SessionVerdict verdict) throws SQLException {
    return apply(List.of(verdict));
  }

  /**
   * Applies each verdict in its own savepoint inside one transaction and reports those that fail instead of failing
   * the batch; used to isolate a record the database rejects. Transient errors (locks, I/O) still fail the batch.
   */
  public ApplyResult applyIsolating(List<SessionVerdict> verdicts, RejectedVerdicts rejected) throws SQLException {
    requireWritable();
    long now = System.currentTimeMillis();
    ApplyResult result = ApplyResult.NONE;
    begin();
    try {
      for (int i = 0; i < verdicts.size(); i++) {
        exec("SAVEPOINT verdict");
        try {
          SessionWriter.Written w = writer.write(verdicts.get(i), now);
          exec("RELEASE verdict");
          result = result.plus(w);
        } catch (SQLException e) {
          if (isTransient(e)) {
            throw e;
          }
          exec("ROLLBACK TO verdict");
          exec("RELEASE verdict");
          rejected.rejected(i, e);
        }
      }
      exec("COMMIT");
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly(e);
      throw e;
    }
    return result;
  }

  /** Receives verdicts {@link #applyIsolating} could not store. */
  @FunctionalInterface
  public interface RejectedVerdicts {
    void rejected(int index, SQLException error);
  }

  /** Sessions matching the selector (empty selector: all), newest first, with their labels. */
  public List<SessionSummary> listSessions(LabelSelector selector) throws SQLException {
    requireOpen();
    return new SessionQueries(conn).listSessions(selector);
  }

  /** Everything stored about one session. */
  public Optional<SessionDetail> showSession(String sessionId) throws SQLException {
    requireOpen();
    return new SessionQueries(conn).showSession(sessionId);
  }

  /** The underlying connection, for tools and tests that need plain SQL. */
  public Connection connection() {
    return conn;
  }

  /**
   * Closes and reopens the connection (after an I/O error the old one may be unusable). If reopening fails the
   * store stays closed and the next write tries again.
   */
  public synchronized void reopen() throws SQLException {
    closeQuietly();
    connect();
  }

  /** Whether an error means the connection itself may be broken (I/O, file gone), not just busy. */
  public static boolean needsReopen(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        int primary = primaryCode(s);
        if (primary == SQLiteErrorCode.SQLITE_IOERR.code || primary == SQLiteErrorCode.SQLITE_CANTOPEN.code) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether an error is worth retrying the same batch for: the file is busy or locked by another process, or the
   * disk failed or filled up. Anything else is a property of the data.
   */
  public static boolean isTransient(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        int primary = primaryCode(s);
        if (primary == SQLiteErrorCode.SQLITE_BUSY.code || primary == SQLiteErrorCode.SQLITE_LOCKED.code
            || primary == SQLiteErrorCode.SQLITE_IOERR.code || primary == SQLiteErrorCode.SQLITE_FULL.code
            || primary == SQLiteErrorCode.SQLITE_CANTOPEN.code || primary == SQLiteErrorCode.SQLITE_NOMEM.code
            || primary == SQLiteErrorCode.SQLITE_PROTOCOL.code) {
          return true;
        }
      }
    }
    return false;
  }

  private static int primaryCode(SQLException s) {
    if (s instanceof SQLiteException se) {
      return se.getResultCode().code & 0xFF;
    }
    return s.getErrorCode() & 0xFF;
  }

  private void requireOpen() throws SQLException {
    if (conn == null) {
      connect();
    }
  }

  private void requireWritable() throws SQLException {
    if (options.readOnly()) {
      throw new SQLException("store " + path + " is open read-only");
    }
    if (conn == null) {
      connect(); // a reopen failed earlier (file busy or unreachable); try again, failing with that error
    }
  }

  /** Takes the write lock up front, so a batch never fails half-way on a lock upgrade. */
  private void begin() throws SQLException {
    exec("BEGIN IMMEDIATE");
  }

  private void exec(String sql) throws SQLException {
    try (java.sql.Statement st = conn.createStatement()) {
      st.execute(sql);
    }
  }

  private void rollbackQuietly(Exception cause) {
    try {
      exec("ROLLBACK");
    } catch (SQLException e) {
      // Nothing to roll back when BEGIN itself failed, or SQLite already rolled back after an I/O error.
      if (!String.valueOf(e.getMessage()).contains("no transaction is active")) {
        cause.addSuppressed(e);
      }
    }
  }

  private void closeQuietly() {
    try {
      if (writer != null) {
        writer.close();
      }
    } catch (SQLException ignored) {
      // closing anyway
    }
    try {
      if (conn != null) {
        conn.close();
      }
    } catch (SQLException ignored) {
      // closing anyway
    }
    writer = null;
    conn = null;
  }

  @Override
  public void close() {
    closeQuietly();
  }
}
