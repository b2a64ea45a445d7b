package dev.whodrove.sim;

/** A small set of random distributions, drawn from a seeded generator so simulations are reproducible. */
@FunctionalInterface
public interface Dist {
  double sample(Rng rng);

  static Dist uniform(double lo, double hi) {
    return rng -> lo + (hi - lo) * rng.nextDouble();
  }

  /** Log-normal with the given median and shape (sigma of the underlying normal). */
  static Dist logNormal(double median, double sigma) {
    return rng -> median * Math.exp(sigma * rng.nextGaussian());
  }

  /** Log-normal clamped to [lo, hi]. */
  static Dist logNormal(double median, double sigma, double lo, double hi) {
    Dist d = logNormal(median, sigma);
    return rng -> Math.max(lo, Math.min(hi, d.sample(rng)));
  }

  /** Picks component i with probability weights[i]. */
  static Dist mixture(double[] weights, Dist... parts) {
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    double sum = total;
    return rng -> {
      double x = rng.nextDouble() * sum;
      for (int i = 0; i < parts.length; i++) {
        x -= weights[i];
        if (x <= 0) {
          return parts[i].sample(rng);
        }
      }
      return parts[parts.length - 1].sample(rng);
    };
  }
}
