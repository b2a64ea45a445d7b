package dev.whodrove.classifier;

import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.redact.FeatureRedactor;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import java.util.List;

/**
 * Single-thread throughput of the classification step (protobuf decode, redaction, rules, verdict encode, JSON mirror)
 * on a mix of Teleport, handoff and GCP records, the agent session carrying the featurizer's full 32 notable events;
 * then the redaction pass alone on that record. Run: {@code mvn -B -o -q -Pbench -pl classifier -am test-compile exec:exec}
 * (docs/benchmarks.md).
 */
public final class ClassifierBench {
  private ClassifierBench() {}

  public static void main(String[] args) {
    List<SessionFeatures> mix = List.of(
        withCommands(Reference.teleport("b1", Reference.ssh(), Reference.OPUS)),
        Reference.teleport("b2", Reference.ssh(), Reference.HUMAN),
        Reference.handoff("b3"),
        Reference.gcpSession("b4", "dev@example.com", "gcloud/482.0.0"),
        Reference.burst("b5", "dev@example.com", "gcloud/482.0.0", 0.4, Reference.scaled(Reference.GPT)));
    var featureSerde = Topics.SESSION_FEATURES.valueSerde();
    var verdictSerde = Topics.SESSION_LABELS.valueSerde();
    List<byte[]> inputs = mix.stream().map(f -> featureSerde.serializer().serialize("t", f)).toList();
    Classifier classifier = new Classifier(ClassifierConfig.defaults());
    long sink = 0;
    for (int round = 0; round < 3; round++) {
      int n = 200_000;
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        SessionFeatures f = featureSerde.deserializer().deserialize("t", inputs.get(i % inputs.size()));
        Classifier.Result r = classifier.classify(f);
        sink += verdictSerde.serializer().serialize("t", r.verdict()).length;
      }
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf("round %d: %,.0f records/s (decode + classify + verdict encode), %.1f µs each%n",
          round, n / s, s * 1e6 / n);
    }
    FeatureRedactor redactor = new FeatureRedactor();
    SessionFeatures notables = mix.get(0);
    for (int round = 0; round < 3; round++) {
      int n = 50_000;
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        sink += redactor.redact(notables).getNotableEventsCount();
      }
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf("round %d: redaction of a record with %d notable events: %.1f µs each%n",
          round, notables.getNotableEventsCount(), s * 1e6 / n);
    }
    System.out.println("(checksum " + sink + ")");
  }

  /** 32 ordinary commands, as the featurizer writes them: nothing to redact, so every rule is tried on each. */
  static SessionFeatures withCommands(SessionFeatures f) {
    List<String> commands = List.of("/usr/bin/kubectl get pods -n prod -o wide", "/bin/ls -la /var/log/app",
        "/usr/bin/git status --short", "/usr/bin/grep -rn ERROR /var/log/app/server.log",
        "/usr/bin/curl -sS https://api.internal.example/v1/health", "/usr/bin/cat /etc/os-release",
        "/usr/bin/python3 -m pytest tests/test_api.py -x -q", "/usr/bin/docker ps --format '{{.Names}}'");
    SessionFeatures.Builder b = f.toBuilder();
    for (int i = 0; i < 32; i++) {
      b.addNotableEvents(NotableEvent.newBuilder().setTimeMs(f.getStartedMs() + i * 1000L).setKind("command")
          .setSummary(commands.get(i % commands.size()) + " (rc=0)").setRef(Integer.toString(i)));
    }
    return b.build();
  }
}
