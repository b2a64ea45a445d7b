package dev.whodrove.sim;

import java.util.Random;
import java.util.SplittableRandom;

/**
 * The random numbers a simulation draws, from a seeded generator so that the same seed gives the same data. The
 * simulators draw from a {@link SplittableRandom} ({@link #of(SplittableRandom)}); {@link #of(Random)} draws from a
 * {@link Random} instead, for sequences that were made with one (the featurizer's tests pin state written from such a
 * sequence).
 */
public interface Rng {
  /** Uniform in [0, 1). */
  double nextDouble();

  /** Uniform in [0, bound). */
  int nextInt(int bound);

  long nextLong();

  /** Standard normal. */
  double nextGaussian();

  /** Draws from {@code r}; normals by Box-Muller over two uniforms ({@code SplittableRandom} has no nextGaussian on Java 17). */
  static Rng of(SplittableRandom r) {
    return new Rng() {
      @Override
      public double nextDouble() {
        return r.nextDouble();
      }

      @Override
      public int nextInt(int bound) {
        return r.nextInt(bound);
      }

      @Override
      public long nextLong() {
        return r.nextLong();
      }

      @Override
      public double nextGaussian() {
        double u1 = Math.max(1e-12, r.nextDouble());
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      }
    };
  }

  /** Draws from {@code r}, normals from its own {@link Random#nextGaussian()}. */
  static Rng of(Random r) {
    return new Rng() {
      @Override
      public double nextDouble() {
        return r.nextDouble();
      }

      @Override
      public int nextInt(int bound) {
        return r.nextInt(bound);
      }

      @Override
      public long nextLong() {
        return r.nextLong();
      }

      @Override
      public double nextGaussian() {
        return r.nextGaussian();
      }
    };
  }
}
