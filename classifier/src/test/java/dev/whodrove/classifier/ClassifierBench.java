package dev.whodrove.classifier;

import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.SessionFeatures;
import java.util.List;

/**
 * Single-thread throughput of the classification step (protobuf decode, rules, verdict encode, JSON mirror) on a mix
 * of Teleport, handoff and GCP records. Run: {@code mvn -B -o -q -Pbench -pl classifier -am test-compile exec:exec}
 * (docs/benchmarks.md).
 */
public final class ClassifierBench {
  private ClassifierBench() {}

  public static void main(String[] args) {
    List<SessionFeatures> mix = List.of(
        Reference.teleport("b1", Reference.ssh(), Reference.OPUS),
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
        sink += VerdictJson.render(r.verdict()).length();
      }
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf("round %d: %,.0f records/s (decode + classify + verdict encode + JSON mirror), %.1f µs each%n",
          round, n / s, s * 1e6 / n);
    }
    System.out.println("(checksum " + sink + ")");
  }
}
