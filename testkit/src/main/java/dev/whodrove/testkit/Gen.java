package dev.whodrove.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A generator of test inputs: each value is drawn from a seeded {@link SplittableRandom}, so the same seed gives the
 * same value again. A handful of combinators cover what the parsers' property tests need; nothing more.
 */
@FunctionalInterface
public interface Gen<T> {
  T next(SplittableRandom random);

  default <R> Gen<R> map(Function<? super T, ? extends R> f) {
    return r -> f.apply(next(r));
  }

  /** Lists of {@code min} to {@code max} values, every size as likely. */
  default Gen<List<T>> list(int min, int max) {
    return list(between(min, max));
  }

  /** Lists of the sizes {@code sizes} gives. */
  default Gen<List<T>> list(Gen<Integer> sizes) {
    return r -> {
      int n = sizes.next(r);
      List<T> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(next(r));
      }
      return out;
    };
  }

  /** {@code min} to {@code max}, both included, every value as likely. */
  static Gen<Integer> between(int min, int max) {
    return r -> r.nextInt(min, max + 1);
  }

  /**
   * {@code min} to {@code max}, small values as often as large ones: the bit length of the distance from {@code min}
   * is drawn first, then a value of that length.
   */
  static Gen<Integer> skewed(int min, int max) {
    int bits = 32 - Integer.numberOfLeadingZeros(max - min);
    return r -> {
      int b = r.nextInt(bits + 1);
      long hi = Math.min(max - min, (1L << b) - 1);
      return min + (int) r.nextLong(hi + 1);
    };
  }

  @SafeVarargs
  static <T> Gen<T> of(T... values) {
    return of(List.of(values));
  }

  static <T> Gen<T> of(List<T> values) {
    List<T> copy = List.copyOf(values);
    return r -> copy.get(r.nextInt(copy.size()));
  }

  /** A value of one of {@code gens}, each as likely. */
  @SafeVarargs
  static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
    List<Gen<? extends T>> copy = List.of(gens);
    return r -> copy.get(r.nextInt(copy.size())).next(r);
  }
}
