package dev.whodrove.classifier;

import dev.whodrove.schemas.v1.Label;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The labels of one verdict, one value per key, in stamping order. Every stamp carries the same {@code set_at} (taken
 * from the features record, so a replay stamps identical labels). Refuses the keys and stamps only people may set.
 */
public final class LabelSet {
  private final long setAtMs;
  private final Map<String, Label> labels = new LinkedHashMap<>();

  public LabelSet(long setAtMs) {
    this.setAtMs = setAtMs;
  }

  public LabelSet put(String key, String value, String setBy) {
    if (key.startsWith("review.") || key.startsWith("truth.") || setBy.startsWith("manual")) {
      throw new IllegalArgumentException("the classifier never stamps " + key + " as " + setBy);
    }
    labels.put(key, Label.newBuilder().setKey(key).setValue(value).setSetBy(setBy).setSetAtMs(setAtMs).build());
    return this;
  }

  public LabelSet put(String key, double value, String setBy) {
    return put(key, decimal(value), setBy);
  }

  public LabelSet put(String key, long value, String setBy) {
    return put(key, Long.toString(value), setBy);
  }

  public Optional<String> get(String key) {
    return Optional.ofNullable(labels.get(key)).map(Label::getValue);
  }

  public List<Label> toList() {
    return new ArrayList<>(labels.values());
  }

  /** Canonical decimal string: at most three decimals, no trailing zeros ("0.85", "1", "0"). */
  public static String decimal(double value) {
    if (!Double.isFinite(value)) {
      return "0";
    }
    BigDecimal d = BigDecimal.valueOf(value).setScale(3, RoundingMode.HALF_UP).stripTrailingZeros();
    return d.signum() == 0 ? "0" : d.toPlainString();
  }
}
