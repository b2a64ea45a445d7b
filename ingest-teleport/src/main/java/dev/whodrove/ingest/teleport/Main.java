package dev.whodrove.ingest.teleport;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceMain;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Runs the service; or, with {@code --since <instant> [--until <instant>]}, backfills Teleport events from Athena
 * over that range (same query path, live watermark untouched); or, with {@code --once}, reads the file backend once.
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
    Instant since = null;
    Instant until = null;
    boolean once = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--since" -> since = instant(args, ++i);
        case "--until" -> until = instant(args, ++i);
        case "--once" -> once = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; usage: [--since <RFC 3339 instant> [--until <instant>]] | [--once]");
      }
    }
    Clock clock = Clock.systemUTC();
    ServiceContext ctx = ServiceContext.create(new IngestTeleportServiceFactory(), ServiceConfig.load(Map.of()));
    try (TeleportPublisher publisher = IngestTeleportService.publisher(ctx, clock)) {
      IngestStats stats;
      if (once) {
        try (FileBackendSource file = new FileBackendSource(ctx.config(), publisher, new AuditEventParser(), clock)) {
          stats = file.ingestOnce();
        }
      } else if (since != null) {
        try (AthenaPoller athena = IngestTeleportService.athenaPoller(ctx.config(), publisher,
            new NoWatermarkStore(), clock)) {
          stats = athena.backfill(since, until == null ? clock.instant() : until);
        }
      } else {
        throw new IllegalArgumentException("--until needs --since");
      }
      System.out.println("events=" + stats.events() + " rejected=" + stats.rejected() + " recordings="
          + stats.recordings());
    }
    return 0;
  }

  private static Instant instant(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value");
    }
    try {
      return Instant.parse(args[i]);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not an RFC 3339 instant: " + args[i]);
    }
  }

  /** Backfill keeps no watermark. */
  private static final class NoWatermarkStore implements WatermarkStore {
    @Override
    public java.util.Optional<AthenaWatermark> load(String key) {
      return java.util.Optional.empty();
    }

    @Override
    public void save(String key, AthenaWatermark watermark) {}
  }
}
