package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.SessionFeatures;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Offline use: synthetic sessions and gcloud bursts of a batch of audit entries, no Kafka involved. */
public final class GcpFeaturizer {
  private GcpFeaturizer() {}

  public static List<SessionFeatures> featurize(Iterable<GcpAuditEntry> entries) {
    return featurize(entries, GcpPrincipalState.Settings.defaults());
  }

  /** Entries in any order; they are sorted by time first, as the batch tools do. */
  public static List<SessionFeatures> featurize(Iterable<GcpAuditEntry> entries, GcpPrincipalState.Settings settings) {
    List<GcpAuditEntry> sorted = new ArrayList<>();
    entries.forEach(sorted::add);
    sorted.sort(Comparator.comparingLong(GcpAuditEntry::getTimestampMs));
    Map<String, GcpPrincipalState> principals = new LinkedHashMap<>();
    List<SessionFeatures> out = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (GcpAuditEntry e : sorted) {
      out.addAll(principals.computeIfAbsent(e.getPrincipal(), p -> new GcpPrincipalState(p, settings)).add(e, now));
    }
    principals.values().forEach(p -> out.addAll(p.closeAll(now)));
    return out;
  }
}
