package dev.whodrove.sink;

import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.schemas.v1.GcpBurstFeatures;
import dev.whodrove.schemas.v1.GcpSessionFeatures;
import dev.whodrove.schemas.v1.MinuteBucket;
import dev.whodrove.schemas.v1.NameCount;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.schemas.v1.TeleportFeatures;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a verdict's features into row values, following the study CLIs' NULL-versus-zero conventions: unknown
 * text and
 * times are NULL; on GCP rows counts of 0 are NULL (the study CLIs' {@code nullableInt}); Teleport counters are
 * written as
 * they are; booleans are 0/1; Teleport-only columns stay NULL on GCP rows and the other way round.
 */
final class SessionRows {
  /** Columns the feature upsert writes, {@code session_id} first. */
  static final List<String> FEATURE_COLUMNS = featureColumns();

  /** Label-only rows carry this parser version, so the study CLIs show why the feature columns are empty. */
  static final String LABELS_ONLY = "labels-only";

  static final String WRITTEN_BY = "whodrove-sqlite-sink";

  private SessionRows() {}

  private static List<String> featureColumns() {
    List<String> c = new ArrayList<>(List.of(
        "session_id", "user", "cluster", "kind", "started_at", "ended_at", "uploaded_at", "duration_seconds",
        "recording_uri", "recording_bytes", "pty_present", "print_chunks", "print_bytes", "median_chunk_gap_ms",
        "idle_gap_count", "edit_char_count", "command_count", "bpf_present", "single_shot", "join_count",
        "parsed_at", "parser_version", "parse_error", "substrate",
        "gcp_principal", "gcp_ua_sample", "gcp_caller_ip", "gcp_call_count", "gcp_distinct_services",
        "gcp_distinct_methods", "gcp_impersonation_calls", "gcp_denied_calls", "gcp_minute_buckets",
        "gcp_median_call_gap_ms",
        "written_by", "updated_at", "features_revision", "features_computed_at", "features_stage",
        "login", "server_id", "server_hostname", "server_labels_json", "remote_addr", "interactive",
        "recording_present", "recording_format", "input_events"));
    for (String[] col : DatabaseLayout.CADENCE_BLOCK) {
      c.add(col[0]);
    }
    c.addAll(List.of("segment_count", "cadence_scores_json",
        "gcp_max_impersonation_depth", "gcp_idle_threshold_s", "gcp_user_agents_json", "gcp_merged_session_ids_json",
        "burst_entry_count", "burst_dominant_method", "burst_dominant_method_share", "burst_method_examples_json",
        "burst_scale_factor"));
    return List.copyOf(c);
  }

  /** The substrate of a verdict: the features' own, else the verdict's, else guessed from which part is present. */
  static String substrateOf(SessionVerdict v) {
    SessionFeatures f = v.getFeatures();
    if (!f.getSubstrate().isEmpty()) {
      return f.getSubstrate();
    }
    if (!v.getSubstrate().isEmpty()) {
      return v.getSubstrate();
    }
    if (f.hasGcp()) {
      return DatabaseLayout.SUBSTRATE_GCP;
    }
    if (f.hasBurst()) {
      return DatabaseLayout.SUBSTRATE_GCP_BURST;
    }
    return DatabaseLayout.SUBSTRATE_TELEPORT;
  }

  /** Values for {@link #FEATURE_COLUMNS}, in order. */
  static Object[] sessionRow(SessionVerdict v, long nowMs) {
    return sessionRow(v, nowMs, Rfc3339.millis(nowMs));
  }

  /** Same, with {@code updated_at} already formatted (it is the same for a whole batch). */
  static Object[] sessionRow(SessionVerdict v, long nowMs, String nowText) {
    SessionFeatures f = v.getFeatures();
    Object[] row = new Object[FEATURE_COLUMNS.size()];
    int i = 0;
    row[i++] = v.getSessionId();
    row[i++] = f.getUser();
    TeleportFeatures t = f.hasTeleport() ? f.getTeleport() : null;
    row[i++] = t == null ? null : text(t.getCluster());
    row[i++] = t == null ? null : text(t.getKind());
    String started = Rfc3339.secondsOrNull(f.getStartedMs());
    String ended = Rfc3339.secondsOrNull(f.getEndedMs());
    row[i++] = started;
    row[i++] = ended;
    // uploaded_at: the session.upload event's time; without one (a recording announced otherwise, or none) the end
    row[i++] = t != null && t.getUploadedAtMs() > 0 ? Rfc3339.seconds(t.getUploadedAtMs()) : ended;
    double duration = f.getStartedMs() > 0 && f.getEndedMs() > f.getStartedMs()
        ? (f.getEndedMs() - f.getStartedMs()) / 1000.0 : 0;
    row[i++] = duration == 0 ? null : duration;
    row[i++] = t == null ? null : text(t.getRecordingUri());
    row[i++] = t != null && t.getRecordingBytes() > 0 ? t.getRecordingBytes() : null; // none: an existing value is kept
    if (t != null) {
      row[i++] = bool(t.getPtyPresent());
      row[i++] = t.getPrintChunks();
      row[i++] = t.getPrintBytes();
      row[i++] = t.getMedianChunkGapMs();
      row[i++] = t.getIdleGapCount();
      row[i++] = t.getEditCharCount();
      row[i++] = t.getCommandCount();
      row[i++] = bool(t.getBpfPresent());
      row[i++] = bool(t.getSingleShot());
      row[i++] = t.getJoinCount();
    } else {
      i += 10;
    }
    long computed = f.getComputedAtMs() > 0 ? f.getComputedAtMs() : v.getEmittedAtMs() > 0 ? v.getEmittedAtMs() : nowMs;
    row[i++] = Rfc3339.seconds(computed);
    row[i++] = "featurizer rev " + f.getRevision();
    row[i++] = t == null ? null : text(t.getParseError());
    row[i++] = substrateOf(v);
    if (f.hasGcp()) {
      GcpSessionFeatures g = f.getGcp();
      row[i++] = text(g.getPrincipal());
      row[i++] = text(g.getSampleUserAgent());
      row[i++] = text(g.getSampleCallerIp());
      row[i++] = count(g.getCallCount());
      row[i++] = count(g.getMaxDistinctServices());
      row[i++] = count(g.getMaxDistinctMethods());
      row[i++] = count(g.getImpersonationCalls());
      row[i++] = count(g.getDeniedCalls());
      row[i++] = count(g.getBucketsCount());
      row[i++] = real(g.getMedianInterBucketGapS() * 1000.0);
    } else if (f.hasBurst()) {
      GcpBurstFeatures b = f.getBurst();
      row[i++] = text(b.getPrincipal());
      row[i++] = text(b.getUserAgent());
      row[i++] = text(b.getCallerIp());
      row[i++] = count(b.getEntryCount());
      row[i++] = count(b.getDistinctServices());
      row[i++] = count(b.getDistinctMethods());
      i += 4;
    } else {
      i += 10;
    }
    row[i++] = WRITTEN_BY;
    row[i++] = nowText;
    row[i++] = f.getRevision();
    row[i++] = f.getComputedAtMs() == 0 ? null : Rfc3339.millis(f.getComputedAtMs());
    row[i++] = text(v.getStage());
    if (t != null) {
      row[i++] = text(t.getLogin());
      row[i++] = text(t.getServerId());
      row[i++] = text(t.getServerHostname());
      row[i++] = t.getServerLabelsCount() == 0 ? null : Json.object(new TreeMap<>(t.getServerLabelsMap()));
      row[i++] = text(t.getRemoteAddr());
      row[i++] = bool(t.getInteractive());
      row[i++] = bool(t.getRecordingPresent());
      row[i++] = text(t.getRecordingFormat());
      row[i++] = t.getInputEvents();
    } else {
      i += 9;
    }
    i = cadence(f.hasCadence() ? f.getCadence() : null, row, i);
    row[i++] = f.getSegmentsCount();
    row[i++] = v.getCadenceScoresCount() == 0 ? null : Json.object(new TreeMap<>(v.getCadenceScoresMap()));
    if (f.hasGcp()) {
      GcpSessionFeatures g = f.getGcp();
      row[i++] = g.getMaxImpersonationDepth();
      row[i++] = g.getIdleThresholdS() == 0 ? null : g.getIdleThresholdS();
      row[i++] = Json.stringsOrNull(g.getUserAgentsList());
      row[i++] = Json.stringsOrNull(g.getMergedSessionIdsList());
    } else {
      i += 4;
    }
    if (f.hasBurst()) {
      GcpBurstFeatures b = f.getBurst();
      row[i++] = b.getEntryCount();
      row[i++] = text(b.getDominantMethod());
      row[i++] = b.getDominantMethodShare();
      row[i++] = Json.stringsOrNull(b.getMethodExamplesList());
      row[i++] = b.getScaleFactor() == 0 ? null : b.getScaleFactor();
    } else {
      i += 5;
    }
    assert i == row.length : "row has " + i + " values for " + row.length + " columns";
    return row;
  }

  /** Writes the cadence block at {@code i} (all NULL when absent); returns the next index. */
  static int cadence(CadenceFeatures c, Object[] row, int i) {
    if (c == null) {
      return i + DatabaseLayout.CADENCE_BLOCK.size();
    }
    row[i++] = bool(c.getInsufficientData());
    row[i++] = c.getDurationS();
    row[i++] = c.getNEvents();
    row[i++] = c.getTotalBytes();
    row[i++] = c.getEventsPerSec();
    row[i++] = c.getGapP50S();
    row[i++] = c.getGapP90S();
    row[i++] = c.getGapP99S();
    row[i++] = c.getGapMaxS();
    row[i++] = c.getPausesGt1S();
    row[i++] = c.getPausesGt5S();
    row[i++] = c.getPausesGt30S();
    row[i++] = c.getBurstFrac();
    row[i++] = c.getThinkFrac();
    row[i++] = c.getLocalGapStd();
    row[i++] = c.getStrippedLeadingGapS();
    row[i++] = c.getStrippedTrailingGapS();
    row[i++] = c.getGapScale();
    row[i++] = bool(c.getBytesDropped());
    return i;
  }

  /** event_type names of the study's {@code whodrove-teleport} CLI for the kinds it knows; other kinds are kept. */
  static String eventType(String kind) {
    return switch (kind) {
      case "command", "exec", "join", "leave", "network", "disk" -> "session." + kind;
      case "kube" -> "kube.request";
      case "db" -> "db.query";
      default -> kind.isEmpty() ? "unknown" : kind;
    };
  }

  /**
   * JSON payload of a notable event: derived fields only, never PTY content. BPF events lead with the study CLI's
   * payload fields — commands {@code {path, argv, return_code, ppid}} (and pid, program), network destinations, disk
   * paths — then kind, summary and ref as for every event.
   */
  static String payload(NotableEvent e) {
    StringBuilder b = new StringBuilder(64 + e.getSummary().length()).append('{');
    switch (e.getKind()) {
      case "command", "agent-cli" -> {
        if (!e.getPath().isEmpty() || e.getArgvCount() > 0 || e.getPid() != 0) {
          b.append("\"path\":").append(Json.string(e.getPath()))
              .append(",\"argv\":").append(strings(e.getArgvList()))
              .append(",\"return_code\":").append(e.getReturnCode())
              .append(",\"ppid\":").append(e.getPpid())
              .append(",\"pid\":").append(e.getPid())
              .append(",\"program\":").append(Json.string(e.getProgram()));
          if (!e.getTool().isEmpty()) {
            b.append(",\"tool\":").append(Json.string(e.getTool()));
          }
          b.append(',');
        }
      }
      case "network" -> {
        if (!e.getDstAddr().isEmpty()) {
          b.append("\"src_addr\":").append(Json.string(e.getSrcAddr()))
              .append(",\"dst_addr\":").append(Json.string(e.getDstAddr()))
              .append(",\"dst_port\":").append(e.getDstPort())
              .append(",\"action\":").append(Json.string(e.getAction()))
              .append(",\"pid\":").append(e.getPid())
              .append(",\"program\":").append(Json.string(e.getProgram())).append(',');
        }
      }
      case "disk" -> {
        if (!e.getPath().isEmpty()) {
          b.append("\"path\":").append(Json.string(e.getPath()))
              .append(",\"flags\":").append(e.getFlags())
              .append(",\"return_code\":").append(e.getReturnCode())
              .append(",\"pid\":").append(e.getPid())
              .append(",\"program\":").append(Json.string(e.getProgram())).append(',');
        }
      }
      default -> { }
    }
    b.append("\"kind\":").append(Json.string(e.getKind()))
        .append(",\"summary\":").append(Json.string(e.getSummary()));
    if (!e.getRef().isEmpty()) {
      b.append(",\"ref\":").append(Json.string(e.getRef()));
    }
    return b.append('}').toString();
  }

  private static String strings(List<String> items) {
    StringBuilder b = new StringBuilder("[");
    for (String s : items) {
      if (b.length() > 1) {
        b.append(',');
      }
      b.append(Json.string(s));
    }
    return b.append(']').toString();
  }

  /** A top-N list as the study CLIs store it ({@code [{"value":…,"count":…}]}), or NULL when empty. */
  static String topJson(List<NameCount> top) {
    if (top.isEmpty()) {
      return null;
    }
    StringBuilder b = new StringBuilder("[");
    for (NameCount nc : top) {
      if (b.length() > 1) {
        b.append(',');
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("value", nc.getName());
      m.put("count", nc.getCount());
      b.append(Json.object(m));
    }
    return b.append(']').toString();
  }

  static Object[] minuteRow(String sessionId, MinuteBucket mb) {
    return new Object[] {sessionId, Rfc3339.seconds(mb.getMinuteMs()), mb.getCallCount(), mb.getDistinctServices(),
        mb.getDistinctMethods(), mb.getImpersonationCalls(), mb.getDeniedCalls(), topJson(mb.getTopServicesList()),
        topJson(mb.getTopMethodsList())};
  }

  static String text(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  static int bool(boolean b) {
    return b ? 1 : 0;
  }

  /** The study CLIs' nullableInt: 0 is NULL. */
  static Long count(long n) {
    return n == 0 ? null : n;
  }

  /** The study CLIs' nullableFloat: 0 is NULL. */
  static Double real(double d) {
    return d == 0 ? null : d;
  }
}
