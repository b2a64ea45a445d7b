package dev.whodrove.sink;

import dev.whodrove.schemas.v1.SessionVerdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
    connect(true);
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

  /**
   * @param create whether a missing file is created: only at the first open. A file that disappears later (moved,
   *     a volume not mounted) is a failure of the database to retry, never a reason to start an empty one.
   */
  private void connect(boolean create) throws SQLException {
    if (!create && !options.readOnly() && !Files.exists(path)) {
      throw new SQLException("database file " + path + " is missing; not creating a new one while running");
    }
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
   * the batch; used to isolate a record the database rejects. Failures of the database itself
   * ({@link #isDatabaseFailure}) still fail the batch.
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
          if (isDatabaseFailure(e)) {
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

  /** The cross-substrate correlations of one session, best first (column name to value). */
  public List<java.util.Map<String, Object>> correlationsOf(String sessionId) throws SQLException {
    requireOpen();
    return new SessionQueries(conn).correlationsOf(sessionId);
  }

  /** Every correlation once, from its Teleport session's row, with that session's user. */
  public List<java.util.Map<String, Object>> correlations() throws SQLException {
    requireOpen();
    return new SessionQueries(conn).correlations();
  }

  /** The underlying connection, for tools and tests that need plain SQL. */
  public Connection connection() {
    return conn;
  }

  /**
   * Closes and reopens the connection (after an I/O error the old one may be unusable; a connection SQLite opened
   * read-only stays so until reopened, even once write access is back). If reopening fails the store stays closed
   * and the next write tries again. A missing file is not created again.
   */
  public synchronized void reopen() throws SQLException {
    closeQuietly();
    connect(false);
  }

  /** Primary result codes that mean the connection itself may be unusable: reopen it before the next attempt. */
  private static final Set<Integer> REOPEN = Set.of(SQLiteErrorCode.SQLITE_IOERR.code,
      SQLiteErrorCode.SQLITE_CANTOPEN.code, SQLiteErrorCode.SQLITE_READONLY.code, SQLiteErrorCode.SQLITE_CORRUPT.code,
      SQLiteErrorCode.SQLITE_NOTADB.code);

  /**
   * Primary result codes that say the database cannot be written now, whatever the data: busy or locked by another
   * process, read-only, corrupt or not a database, an I/O error, the disk full, the file gone or out of reach.
   */
  private static final Set<Integer> DATABASE_FAILURES = Set.of(SQLiteErrorCode.SQLITE_BUSY.code,
      SQLiteErrorCode.SQLITE_LOCKED.code, SQLiteErrorCode.SQLITE_READONLY.code, SQLiteErrorCode.SQLITE_CORRUPT.code,
      SQLiteErrorCode.SQLITE_NOTADB.code, SQLiteErrorCode.SQLITE_IOERR.code, SQLiteErrorCode.SQLITE_FULL.code,
      SQLiteErrorCode.SQLITE_CANTOPEN.code, SQLiteErrorCode.SQLITE_NOMEM.code, SQLiteErrorCode.SQLITE_PROTOCOL.code,
      SQLiteErrorCode.SQLITE_PERM.code, SQLiteErrorCode.SQLITE_AUTH.code, SQLiteErrorCode.SQLITE_NOLFS.code,
      SQLiteErrorCode.SQLITE_INTERRUPT.code, SQLiteErrorCode.SQLITE_SCHEMA.code);

  /** Whether an error means the connection itself may be broken (I/O, read-only, corrupt, file gone), not just busy. */
  public static boolean needsReopen(SQLException e) {
    int code = sqliteCode(e);
    return code >= 0 && REOPEN.contains(code);
  }

  /**
   * Whether the database failed rather than a verdict: the batch is retried until the database works again and no
   * verdict is ever dead-lettered for it. An SQLException that carries no SQLite result code comes from opening
   * the file, not from a verdict, so it counts too. Anything else (a constraint, a value too big) is the verdict's.
   */
  public static boolean isDatabaseFailure(SQLException e) {
    int code = sqliteCode(e);
    return code < 0 || DATABASE_FAILURES.contains(code);
  }

  /** The primary SQLite result code in {@code e} or its causes, or -1 when none carries one. */
  private static int sqliteCode(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLiteException se) {
        return se.getResultCode().code & 0xFF;
      }
    }
    return -1;
  }

  private void requireOpen() throws SQLException {
    if (conn == null) {
      connect(false);
    }
  }

  private void requireWritable() throws SQLException {
    if (options.readOnly()) {
      throw new SQLException("store " + path + " is open read-only");
    }
    if (conn == null) {
      connect(false); // a reopen failed earlier (file busy or unreachable); try again, failing with that error
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
