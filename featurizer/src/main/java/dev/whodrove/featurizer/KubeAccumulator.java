package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.KubeActivity;
import dev.whodrove.schemas.v1.KubeRequest;
import java.util.Locale;
import java.util.Set;

/** The Kubernetes events of one session side: API requests, execs and port forwards. Bounded state. */
final class KubeAccumulator {
  static final int MAX_NAMES = 32;
  static final int TOP = 5;
  private static final Set<String> WRITE_VERBS = Set.of("create", "update", "patch", "delete", "deletecollection",
      "post", "put");

  private long requests;
  private long failed;
  private long writes;
  private long execs;
  private long portForwards;
  private CappedCounts verbs = new CappedCounts(MAX_NAMES);
  private CappedCounts resources = new CappedCounts(MAX_NAMES);
  private EventRhythmCounter rhythm = new EventRhythmCounter();

  void addRequest(long timeMs, KubeRequest k) {
    requests++;
    if (k.getResponseCode() >= 400) {
      failed++;
    }
    String verb = k.getVerb().toLowerCase(Locale.ROOT);
    if (WRITE_VERBS.contains(verb)) {
      writes++;
    }
    verbs.add(truncate(verb.isEmpty() ? "?" : verb));
    resources.add(truncate(k.getResourceKind().isEmpty() ? "?" : k.getResourceKind()));
    rhythm.add(timeMs);
  }

  void addExec() {
    execs++;
  }

  void addPortForward() {
    portForwards++;
  }

  boolean isEmpty() {
    return requests == 0 && execs == 0 && portForwards == 0;
  }

  private static String truncate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64);
  }

  KubeActivity features(String source) {
    return KubeActivity.newBuilder().setSource(source).setRequests(requests).setFailedRequests(failed)
        .setWriteRequests(writes).addAllTopVerbs(verbs.top(TOP)).addAllTopResources(resources.top(TOP))
        .setExecs(execs).setPortForwards(portForwards).setRequestRhythm(rhythm.features()).build();
  }

  void writeTo(StateWriter w) {
    w.varint(requests).varint(failed).varint(writes).varint(execs).varint(portForwards);
    verbs.writeTo(w);
    resources.writeTo(w);
    rhythm.writeTo(w);
  }

  static KubeAccumulator readFrom(StateReader r) {
    KubeAccumulator k = new KubeAccumulator();
    k.requests = r.varint();
    k.failed = r.varint();
    k.writes = r.varint();
    k.execs = r.varint();
    k.portForwards = r.varint();
    k.verbs = CappedCounts.readFrom(r, MAX_NAMES);
    k.resources = CappedCounts.readFrom(r, MAX_NAMES);
    k.rhythm = EventRhythmCounter.readFrom(r);
    return k;
  }
}
