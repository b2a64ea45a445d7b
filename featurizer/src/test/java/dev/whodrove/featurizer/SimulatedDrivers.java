package dev.whodrove.featurizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;

/**
 * Print-event timing of terminal sessions shaped like the project's simulator (the CLI's cadence models): a person
 * typing commands key by key with one-byte echoes, typos fixed with backspace and thinking pauses; agent models
 * pasting a command line, then bursts of output between model turns. Used to check that segmentation splits a
 * person-to-agent hand-off and leaves single-driver sessions whole.
 */
final class SimulatedDrivers {
  /** One print event: ms since session start, bytes, edit characters. */
  record Print(long atMs, long bytes, long edits) {}

  /** A driver: pause between turns, output chunks per turn, gap inside a burst, bytes per chunk, typical length. */
  record Model(String name, DoubleSupplier pause, DoubleSupplier burst, DoubleSupplier intraGap, DoubleSupplier bytes,
      double minS, double maxS, boolean typesByHand) {}

  static final List<String> AGENTS = List.of("kimi-k2.6", "gemini-3.1", "opus-4.6", "gpt-5.5");
  private static final String[] COMMANDS = {
      "kubectl get pods -n payments", "git status", "ls -la", "cat /etc/os-release", "docker ps",
      "journalctl -u nginx --since today", "grep -rn TODO src", "systemctl status app", "df -h", "top -b -n 1",
      "kubectl describe deploy api", "tail -n 50 /var/log/app.log", "ps aux", "env", "curl -s localhost:8080/healthz"};

  private final Random rng;

  SimulatedDrivers(long seed) {
    this.rng = new Random(seed);
  }

  private DoubleSupplier uniform(double lo, double hi) {
    return () -> lo + (hi - lo) * rng.nextDouble();
  }

  private DoubleSupplier logNormal(double median, double sigma, double lo, double hi) {
    return () -> Math.max(lo, Math.min(hi, median * Math.exp(sigma * rng.nextGaussian())));
  }

  private DoubleSupplier mix(double[] w, DoubleSupplier... parts) {
    return () -> {
      double total = 0;
      for (double x : w) {
        total += x;
      }
      double x = rng.nextDouble() * total;
      for (int i = 0; i < parts.length; i++) {
        x -= w[i];
        if (x <= 0) {
          return parts[i].getAsDouble();
        }
      }
      return parts[parts.length - 1].getAsDouble();
    };
  }

  Model model(String name) {
    return switch (name) {
      case "kimi-k2.6" -> new Model(name, mix(new double[] {0.62, 0.38}, uniform(5, 25), uniform(31, 130)),
          uniform(5, 15), mix(new double[] {0.22, 0.58, 0.20}, uniform(0.02, 0.19), uniform(0.2, 1.2), uniform(1.2, 4)),
          logNormal(180, 0.9, 8, 4000), 420, 900, false);
      case "gemini-3.1" -> new Model(name,
          mix(new double[] {0.78, 0.14, 0.08}, uniform(6, 25), uniform(30.5, 36), uniform(1.2, 4)),
          uniform(8, 16), mix(new double[] {0.6, 0.4}, uniform(0, 0.08), uniform(0.1, 0.22)),
          logNormal(160, 0.8, 8, 4000), 240, 420, false);
      case "opus-4.6" -> new Model(name, mix(new double[] {0.88, 0.12}, uniform(5.1, 9), uniform(9, 15.5)),
          uniform(7, 13), mix(new double[] {0.92, 0.08}, uniform(0, 0.05), uniform(1.1, 3.5)),
          logNormal(120, 0.8, 8, 4000), 240, 360, false);
      case "gpt-5.5" -> new Model(name, mix(new double[] {0.8, 0.2}, uniform(6, 19), uniform(1.2, 4.5)),
          uniform(15, 28), uniform(0, 0.06), logNormal(200, 0.9, 8, 4000), 150, 230, false);
      case "human" -> new Model(name,
          mix(new double[] {0.2, 0.77, 0.03}, uniform(1, 5), uniform(5, 28), uniform(30, 55)),
          uniform(1, 4), logNormal(0.17, 0.55, 0.04, 1.6), logNormal(300, 1.0, 20, 6000), 400, 900, true);
      default -> throw new IllegalArgumentException("unknown driver " + name);
    };
  }

  /** A session of one driver, of its typical length. */
  List<Print> session(String name) {
    Model m = model(name);
    return generate(m, uniform(m.minS(), m.maxS()).getAsDouble());
  }

  /** A person for 240–360 s, then (3 s later) gemini, opus or gpt for 200–300 s; {@code handoffAt} gets the index. */
  List<Print> handoff(int[] handoffAt) {
    List<Print> out = new ArrayList<>(generate(model("human"), 240 + rng.nextInt(120)));
    String agent = AGENTS.get(1 + rng.nextInt(3));
    List<Print> tail = generate(model(agent), 200 + rng.nextInt(100));
    long shift = out.get(out.size() - 1).atMs() + 3_000;
    handoffAt[0] = out.size();
    for (Print p : tail) {
      out.add(new Print(p.atMs() + shift, p.bytes(), p.edits()));
    }
    return out;
  }

  List<Print> generate(Model m, double seconds) {
    List<Print> out = new ArrayList<>();
    double t = 0.5 + rng.nextDouble();
    while (t < seconds) {
      String cmd = COMMANDS[rng.nextInt(COMMANDS.length)];
      if (m.typesByHand()) {
        for (int i = 0; i < cmd.length(); i++) {
          if (rng.nextDouble() < 0.04) {
            out.add(new Print(ms(t), 1, 0)); // the typo
            t += m.intraGap().getAsDouble() + 0.15;
            out.add(new Print(ms(t), 3, 2)); // BS, space, BS
            t += m.intraGap().getAsDouble();
          }
          out.add(new Print(ms(t), 1, 0));
          t += m.intraGap().getAsDouble();
        }
        t += 0.2 + 0.6 * rng.nextDouble();
        out.add(new Print(ms(t), 2, 0)); // CR LF
      } else {
        out.add(new Print(ms(t), cmd.length() + 2, 0)); // the harness pastes the command line
      }
      long n = Math.round(m.burst().getAsDouble());
      for (int i = 0; i < n; i++) {
        t += m.typesByHand() ? 0.01 + 0.24 * rng.nextDouble() : m.intraGap().getAsDouble();
        out.add(new Print(ms(t), Math.max(1, (long) m.bytes().getAsDouble()), 0));
      }
      t += m.pause().getAsDouble();
    }
    return out;
  }

  private static long ms(double seconds) {
    return Math.round(seconds * 1000);
  }
}
