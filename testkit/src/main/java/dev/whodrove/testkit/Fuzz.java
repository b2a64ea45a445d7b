package dev.whodrove.testkit;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestInfo;

/**
 * Runs a property as plain JUnit dynamic tests: one per try, each on an input drawn from a seed of its own, then one
 * that checks the inputs reached the cases the property is about. Every seed derives from a fixed base seed, so
 * every run tries the same inputs. A failure names the base seed, the try and the input, and how to run that try
 * alone; the tries after a failure are skipped. There is no shrinking: the failing input is reported as generated.
 *
 * <p>System properties: {@value #SEED} (a long, decimal or {@code 0x}-hex, or {@code random} for a fresh one),
 * {@value #TRIES} (tries of every property; the coverage check needs at least the property's own count), and
 * {@value #TRY} (run that one try only).
 */
public final class Fuzz {
  public static final String SEED = "whodrove.fuzz.seed";
  public static final String TRIES = "whodrove.fuzz.tries";
  public static final String TRY = "whodrove.fuzz.try";
  public static final long DEFAULT_SEED = 0x5EED2026L;

  private static final long BASE_SEED = baseSeed(System.getProperty(SEED));

  /** A property's check of one input, counting into the tally what kind of case the input was. */
  @FunctionalInterface
  public interface Check<T> {
    void check(T input, Tally tally) throws Throwable;
  }

  private Fuzz() {}

  /**
   * The tries of the property named by {@code test} (its class and method): {@code tries} inputs from
   * {@code inputs}, each passed to {@code check}, then {@code coverage} over the tally of all of them.
   */
  public static <T> Stream<DynamicTest> forAll(TestInfo test, int tries, Gen<T> inputs, Check<? super T> check,
      Consumer<Tally> coverage) {
    String name = test.getTestClass().map(Class::getSimpleName).orElse("?") + "#"
        + test.getTestMethod().map(m -> m.getName()).orElse(test.getDisplayName());
    int n = Integer.getInteger(TRIES, tries);
    Integer only = Integer.getInteger(TRY);
    Tally tally = new Tally();
    boolean[] failed = {false};
    Stream<DynamicTest> each = (only != null ? IntStream.of(only) : IntStream.range(0, n)).mapToObj(i ->
        DynamicTest.dynamicTest("try " + i, () -> {
          Assumptions.assumeFalse(failed[0], "skipped: an earlier try failed");
          Object[] input = {"(not generated)"};
          try {
            T in = inputs.next(new SplittableRandom(trySeed(name, i)));
            input[0] = in;
            check.check(in, tally);
          } catch (Throwable t) {
            failed[0] = true;
            throw new AssertionError(name + " failed at try " + i + " of " + n + ", base seed " + hex(BASE_SEED)
                + " (again: -Dtest='" + name + "' -D" + SEED + "=" + hex(BASE_SEED) + " -D" + TRY + "=" + i + "): "
                + t + "; input: " + describe(input[0]), t);
          }
          tally.tried();
        }));
    if (only != null) {
      return each;
    }
    return Stream.concat(each, Stream.of(DynamicTest.dynamicTest("coverage", () -> {
      Assumptions.assumeFalse(failed[0], "skipped: a try failed");
      Assumptions.assumeTrue(n >= tries, "coverage is checked with " + tries + " tries or more");
      try {
        coverage.accept(tally);
      } catch (AssertionError e) {
        throw new AssertionError(name + " coverage over " + n + " tries, base seed " + hex(BASE_SEED) + ": "
            + e.getMessage(), e);
      }
    })));
  }

  /** The seed of try {@code i} of a property: independent of every other try, so one try can run alone. */
  static long trySeed(String property, int i) {
    return mix(BASE_SEED ^ (mix(property.hashCode()) + i * 0x9E3779B97F4A7C15L));
  }

  static long baseSeed(String property) {
    if (property == null || property.isBlank()) {
      return DEFAULT_SEED;
    }
    if (property.equals("random")) {
      return new SplittableRandom().nextLong();
    }
    return Long.decode(property.strip());
  }

  /** The finalizer of MurmurHash3: spreads every input bit over the result. */
  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
    z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
    return z ^ (z >>> 33);
  }

  private static String hex(long seed) {
    return seed < 0 ? "-0x" + Long.toHexString(-seed) : "0x" + Long.toHexString(seed);
  }

  private static String describe(Object input) {
    if (input instanceof byte[] b) {
      return b.length + " bytes: " + HostileInputs.printable(Arrays.copyOf(b, Math.min(b.length, 160)));
    }
    String s = String.valueOf(input);
    return s.length() <= 2000 ? s : s.substring(0, 2000) + "… (" + s.length() + " chars)";
  }
}
