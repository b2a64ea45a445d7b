package dev.whodrove.ingest.gcp.bigquery;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.DatasetId;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.Table;
import com.google.cloud.bigquery.TableDefinition;
import com.google.cloud.bigquery.TableId;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a log sink made of one audit log in its dataset: a table partitioned on {@code timestamp} (what sinks create
 * today), date-sharded {@code <table>_YYYYMMDD} tables (older sinks), or nothing yet (no entry of that log arrived).
 * One catalogue lives for one poll or backfill: the dataset's table list is read once, schemas once per table.
 */
final class SinkTables {
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);
  private static final Pattern SHARD = Pattern.compile("(.+)_(\\d{8})");

  /** How one log is laid out. */
  sealed interface Layout {}

  /** A table partitioned on {@code timestamp}; {@code schema} tells which columns it has. */
  record Partitioned(TableId table, Schema schema) implements Layout {}

  /**
   * Date-sharded tables, queried through the wildcard {@code <base>_*}: {@code schema} is the newest shard's, which
   * BigQuery uses for the whole wildcard; {@code firstDay}..{@code lastDay} the shards of the window
   * ({@code _TABLE_SUFFIX}), {@code any} whether one of them exists.
   */
  record Sharded(TableId wildcard, Schema schema, String firstDay, String lastDay, boolean any) implements Layout {}

  /** Nothing to read (yet). */
  record Absent(String why) implements Layout {}

  private final BigQuery bigquery;
  private final BigQuerySettings settings;
  private Map<String, TreeSet<String>> shards;
  private final Map<String, Table> tables = new HashMap<>();

  SinkTables(BigQuery bigquery, BigQuerySettings settings) {
    this.bigquery = bigquery;
    this.settings = settings;
  }

  /** The layout of {@code base} for the window {@code [from, until)}. */
  Layout layout(String base, Instant from, Instant until) {
    if (!settings.layout().equals("sharded")) {
      Table t = table(base);
      if (t != null) {
        TableDefinition d = t.getDefinition();
        boolean partitioned = d instanceof StandardTableDefinition s && s.getTimePartitioning() != null
            && "timestamp".equals(s.getTimePartitioning().getField());
        if (!partitioned) {
          // a query would read the whole table every time: refuse rather than pay for it
          throw new IllegalStateException("table " + t.getTableId().getDataset() + "." + base + " is not partitioned "
              + "on timestamp; refusing to scan it whole (set " + BigQuerySettings.LAYOUT + "=sharded if its "
              + "_YYYYMMDD shards are what to read)");
        }
        return new Partitioned(t.getTableId(), d.getSchema());
      }
      if (settings.layout().equals("partitioned")) {
        return new Absent("no table " + base);
      }
    }
    TreeSet<String> days = shards().getOrDefault(base, new TreeSet<>());
    if (days.isEmpty()) {
      return new Absent("neither a table " + base + " nor shards " + base + "_YYYYMMDD");
    }
    String first = DAY.format(from);
    String last = DAY.format(until.minusMillis(1));
    boolean any = !days.subSet(first, true, last, true).isEmpty();
    Table newest = table(base + "_" + days.last());
    Schema schema = newest == null || newest.getDefinition() == null ? null : newest.getDefinition().getSchema();
    if (schema == null) {
      return new Absent("shard " + base + "_" + days.last() + " has no schema");
    }
    return new Sharded(TableId.of(settings.datasetProject(), settings.dataset(), base + "_*"), schema, first, last,
        any);
  }

  private Table table(String name) {
    return tables.computeIfAbsent(name, n -> {
      try {
        return bigquery.getTable(TableId.of(settings.datasetProject(), settings.dataset(), n));
      } catch (BigQueryException e) {
        if (e.getCode() == 404) {
          return null;
        }
        throw e;
      }
    });
  }

  /** Every {@code <base>_YYYYMMDD} table of the dataset, by base; the list is read once. */
  private Map<String, TreeSet<String>> shards() {
    if (shards == null) {
      Map<String, TreeSet<String>> m = new HashMap<>();
      for (Table t : bigquery.listTables(DatasetId.of(settings.datasetProject(), settings.dataset()),
          BigQuery.TableListOption.pageSize(1000)).iterateAll()) {
        Matcher x = SHARD.matcher(t.getTableId().getTable());
        if (x.matches()) {
          m.computeIfAbsent(x.group(1), k -> new TreeSet<>()).add(x.group(2));
        }
      }
      shards = m;
    }
    return shards;
  }
}
