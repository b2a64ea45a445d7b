package dev.whodrove.ingest.teleport;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceMain;
import java.time.Clock;
import java.util.Map;

/**
 * Runs the service; or, with {@code --once}, reads the file backend once. Athena backfills over a fixed range are the
 * CLI's {@code whodrove backfill teleport --since T --until T}.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if (args.length == 0) {
      ServiceMain.run(new IngestTeleportServiceFactory());
      return;
    }
    int status;
    try {
      status = oneShot(args);
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println(IngestTeleportService.NAME + ": " + e.getMessage());
      status = 2;
    } catch (Exception e) {
      System.err.println(IngestTeleportService.NAME + " failed: " + e);
      status = 1;
    }
    System.exit(status);
  }

  private static int oneShot(String[] args) throws Exception {
    if (args.length != 1 || !args[0].equals("--once")) {
      throw new IllegalArgumentException("unknown argument " + String.join(" ", args) + "; usage: [--once] (Athena "
          + "backfills: whodrove backfill teleport --since T --until T)");
    }
    Clock clock = Clock.systemUTC();
    ServiceContext ctx = ServiceContext.create(new IngestTeleportServiceFactory(), ServiceConfig.load(Map.of()));
    try (TeleportPublisher publisher = IngestTeleportService.publisher(ctx, clock);
        FileBackendSource file = new FileBackendSource(ctx.config(), publisher, new AuditEventParser(), clock)) {
      IngestStats stats = file.ingestOnce();
      System.out.println("events=" + stats.events() + " rejected=" + stats.rejected() + " recordings="
          + stats.recordings());
    }
    return 0;
  }
}
