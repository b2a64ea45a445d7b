package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.MinuteBucket;
import dev.whodrove.schemas.v1.NameCount;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The calls of one principal in one UTC minute (the per-minute features of the study's {@code whodrove-gcp} CLI). */
final class MinuteBucketAccumulator {
  /** Distinct names tracked per minute; beyond that calls still count but the name is not kept. */
  static final int MAX_NAMES = 32;
  static final int TOP_N = 5;

  final long minuteMs;
  long calls;
  long impersonation;
  long denied;
  int maxDepth;
  String sampleUa = "";
  String sampleIp = "";
  final Map<String, Long> services = new LinkedHashMap<>();
  final Map<String, Long> methods = new LinkedHashMap<>();
  int extraServices;
  int extraMethods;

  MinuteBucketAccumulator(long minuteMs) {
    this.minuteMs = minuteMs;
  }

  static long minuteOf(long epochMs) {
    return Math.floorDiv(epochMs, 60_000L) * 60_000L;
  }

  void add(GcpAuditEntry e) {
    calls++;
    if (e.getImpersonationDepth() > 0) {
      impersonation++;
    }
    if (e.getDenied()) {
      denied++;
    }
    maxDepth = Math.max(maxDepth, e.getImpersonationDepth());
    if (sampleUa.isEmpty()) {
      sampleUa = e.getUserAgent();
    }
    if (sampleIp.isEmpty()) {
      sampleIp = e.getCallerIp();
    }
    extraServices += count(services, e.getServiceName());
    extraMethods += count(methods, e.getMethodName());
  }

  private static int count(Map<String, Long> m, String name) {
    Long c = m.get(name);
    if (c != null) {
      m.put(name, c + 1);
      return 0;
    }
    if (m.size() >= MAX_NAMES) {
      return 1;
    }
    m.put(name, 1L);
    return 0;
  }

  void merge(MinuteBucketAccumulator o) {
    calls += o.calls;
    impersonation += o.impersonation;
    denied += o.denied;
    maxDepth = Math.max(maxDepth, o.maxDepth);
    if (sampleUa.isEmpty()) {
      sampleUa = o.sampleUa;
    }
    if (sampleIp.isEmpty()) {
      sampleIp = o.sampleIp;
    }
    o.services.forEach((k, v) -> services.merge(k, v, Long::sum));
    o.methods.forEach((k, v) -> methods.merge(k, v, Long::sum));
    extraServices += o.extraServices;
    extraMethods += o.extraMethods;
  }

  int distinctServices() {
    return services.size() + extraServices;
  }

  int distinctMethods() {
    return methods.size() + extraMethods;
  }

  MinuteBucket toProto() {
    return MinuteBucket.newBuilder().setMinuteMs(minuteMs).setCallCount(calls)
        .setDistinctServices(distinctServices()).setDistinctMethods(distinctMethods())
        .setSampleUserAgent(sampleUa).setSampleCallerIp(sampleIp)
        .setImpersonationCalls(impersonation).setDeniedCalls(denied)
        .addAllTopServices(top(services)).addAllTopMethods(top(methods)).build();
  }

  private static List<NameCount> top(Map<String, Long> m) {
    // count desc, then name, so equal counts come out the same way every time
    return m.entrySet().stream()
        .sorted(Comparator.<Map.Entry<String, Long>>comparingLong(Map.Entry::getValue).reversed()
            .thenComparing(Map.Entry::getKey))
        .limit(TOP_N)
        .map(en -> NameCount.newBuilder().setName(en.getKey()).setCount(en.getValue()).build())
        .toList();
  }

  void writeTo(StateWriter w) {
    w.zigzag(minuteMs).varint(calls).varint(impersonation).varint(denied).varint(maxDepth)
        .name(sampleUa).name(sampleIp).varint(extraServices).varint(extraMethods);
    writeCounts(w, services);
    writeCounts(w, methods);
  }

  private static void writeCounts(StateWriter w, Map<String, Long> m) {
    w.varint(m.size());
    m.forEach((k, v) -> w.name(k).varint(v));
  }

  static MinuteBucketAccumulator readFrom(StateReader r) {
    MinuteBucketAccumulator b = new MinuteBucketAccumulator(r.zigzag());
    b.calls = r.varint();
    b.impersonation = r.varint();
    b.denied = r.varint();
    b.maxDepth = r.varintInt();
    b.sampleUa = r.name();
    b.sampleIp = r.name();
    b.extraServices = r.varintInt();
    b.extraMethods = r.varintInt();
    readCounts(r, b.services);
    readCounts(r, b.methods);
    return b;
  }

  private static void readCounts(StateReader r, Map<String, Long> m) {
    int n = r.varintInt();
    for (int i = 0; i < n; i++) {
      m.put(r.name(), r.varint());
    }
  }
}
