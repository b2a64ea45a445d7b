package dev.whodrove.classifier;

/**
 * One comparison of a feature with a constant, e.g. {@code gap_max_s > 60}. Comparisons are strict unless the operator
 * says otherwise, as in notes/10. {@code BETWEEN} is exclusive at both ends ({@code lo < x < hi}).
 */
public record Condition(Feature feature, Op op, double value, double upper) {

  /** Comparison operators. */
  public enum Op {
    LT("<"), LE("<="), GT(">"), GE(">="), EQ("=="), BETWEEN("in");

    private final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }
  }

  public static Condition lt(Feature f, double v) {
    return new Condition(f, Op.LT, v, Double.NaN);
  }

  public static Condition le(Feature f, double v) {
    return new Condition(f, Op.LE, v, Double.NaN);
  }

  public static Condition gt(Feature f, double v) {
    return new Condition(f, Op.GT, v, Double.NaN);
  }

  public static Condition ge(Feature f, double v) {
    return new Condition(f, Op.GE, v, Double.NaN);
  }

  public static Condition eq(Feature f, double v) {
    return new Condition(f, Op.EQ, v, Double.NaN);
  }

  public static Condition between(Feature f, double lo, double hi) {
    return new Condition(f, Op.BETWEEN, lo, hi);
  }

  /** Whether the view satisfies this condition; an unknown (NaN) feature never does. */
  public boolean test(CadenceView view) {
    double x = view.get(feature);
    return switch (op) {
      case LT -> x < value;
      case LE -> x <= value;
      case GT -> x > value;
      case GE -> x >= value;
      case EQ -> x == value;
      case BETWEEN -> value < x && x < upper;
    };
  }

  @Override
  public String toString() {
    if (op == Op.BETWEEN) {
      return fmt(value) + " < " + feature.key() + " < " + fmt(upper);
    }
    return feature.key() + " " + op.symbol + " " + fmt(value);
  }

  static String fmt(double d) {
    return d == Math.rint(d) && !Double.isInfinite(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
