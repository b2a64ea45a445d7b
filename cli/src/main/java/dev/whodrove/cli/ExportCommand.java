package dev.whodrove.cli;

import dev.whodrove.sink.DatabaseExport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** A consistent copy of a sessions.sqlite, safe while the sink writes it ({@link DatabaseExport}). */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Copy a sessions.sqlite, safely while the sink writes it: one consistent snapshot (the WAL "
        + "included) written by SQLite itself (VACUUM INTO) to a new single file, for analysts and backups.",
        "Copying the file itself (cp, docker compose cp) misses what is still in sessions.sqlite-wal. In the compose "
            + "deployment the image does the same: docker compose exec sqlite-sink /app/service export --db "
            + "/data/sessions.sqlite --out /data/export.sqlite."})
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
    DatabaseExport.Result r = DatabaseExport.export(db, out, force);
    System.out.printf("exported %s to %s: %d session(s), %d bytes%n", db, r.out(), r.sessions(), r.bytes());
    return 0;
  }
}
