package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.DatabaseActivity;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The database events of one session side: queries and protocol-level statement events, each with its time, reduced
 * to counts, statement kinds and rhythm. The statement text itself is never kept: only its leading keyword (or a
 * MongoDB command name), so no query text reaches the features, the verdicts or sessions.sqlite.
 */
final class DatabaseAccumulator {
  static final int MAX_KINDS = 32;
  static final int TOP = 8;
  private static final Pattern KEYWORD = Pattern.compile("^[\\s(]*([A-Za-z][A-Za-z_]{0,15})");
  private static final Pattern JSON_COMMAND = Pattern.compile("^\\s*\\{\\s*\"([A-Za-z][A-Za-z_]{0,31})\"");

  private String protocol = "";
  private long queries;
  private long failed;
  private long protocolEvents;
  private CappedCounts kinds = new CappedCounts(MAX_KINDS);
  private EventRhythmCounter rhythm = new EventRhythmCounter();

  void addQuery(long timeMs, String statement, boolean success) {
    queries++;
    if (!success) {
      failed++;
    }
    kinds.add(statementKind(statement));
    rhythm.add(timeMs);
  }

  /** A protocol-specific event, {@code db.session.<protocol>.<what>}: counted under its own last name. */
  void addProtocolEvent(long timeMs, String type) {
    protocolEvents++;
    String[] parts = type.split("\\.");
    if (parts.length >= 3 && protocol.isEmpty()) {
      protocol = parts[2];
    }
    kinds.add(parts[parts.length - 1].toLowerCase(Locale.ROOT));
    rhythm.add(timeMs);
  }

  /** The session's protocol: the first one named (a session speaks one). */
  void protocol(String p) {
    if (protocol.isEmpty() && !p.isEmpty()) {
      protocol = p.length() <= 32 ? p : p.substring(0, 32);
    }
  }

  boolean isEmpty() {
    return queries == 0 && protocolEvents == 0;
  }

  /** SELECT, INSERT, …; a MongoDB command's name; "?" when neither shows. Never more than the first word. */
  static String statementKind(String statement) {
    Matcher json = JSON_COMMAND.matcher(statement);
    if (json.find()) {
      return json.group(1);
    }
    Matcher m = KEYWORD.matcher(statement);
    return m.find() ? m.group(1).toUpperCase(Locale.ROOT) : "?";
  }

  DatabaseActivity features(String source) {
    return DatabaseActivity.newBuilder().setSource(source).setProtocol(protocol).setQueries(queries)
        .setFailedQueries(failed).setProtocolEvents(protocolEvents).addAllStatementKinds(kinds.top(TOP))
        .setQueryRhythm(rhythm.features()).build();
  }

  void writeTo(StateWriter w) {
    w.str(protocol).varint(queries).varint(failed).varint(protocolEvents);
    kinds.writeTo(w);
    rhythm.writeTo(w);
  }

  static DatabaseAccumulator readFrom(StateReader r) {
    DatabaseAccumulator d = new DatabaseAccumulator();
    d.protocol = r.str();
    d.queries = r.varint();
    d.failed = r.varint();
    d.protocolEvents = r.varint();
    d.kinds = CappedCounts.readFrom(r, MAX_KINDS);
    d.rhythm = EventRhythmCounter.readFrom(r);
    return d;
  }
}
