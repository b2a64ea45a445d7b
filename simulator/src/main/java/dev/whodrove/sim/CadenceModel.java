package dev.whodrove.sim;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * How one kind of driver produces terminal output over time, as a sequence of turns: a pause (thinking, waiting for
 * a model), then a burst of output chunks with short gaps. The parameters of the agent models follow the measured
 * statistics of the cadence research (events/s, gap percentiles, pause counts); the human model types commands
 * key by key with irregular echo gaps, corrections and thinking pauses. All times are seconds.
 */
public final class CadenceModel {
  /** Names of the agent models, in the order of {@link #agents()}. */
  public static final List<String> AGENT_NAMES = List.of("kimi-k2.6", "gemini-3.1", "opus-4.6", "gpt-5.5");
  /**
   * A fifth model no shipped table profiles ({@link #unseen()}): what fitting a new profile is tested on. Not part of
   * {@link #agents()}, so the demo and the mixed data sets do not change.
   */
  public static final String UNSEEN_NAME = "model-x";

  /** What the output chunks of a burst hold. */
  public enum Output {
    /** Random lower-case text in 64-byte lines, drawn from the generator. */
    TEXT,
    /**
     * Filler of the same sizes, drawn from nothing: the timing and sizes are those of {@link #TEXT} for the same draws
     * before it, and generating is cheaper (for tests that look at cadence only).
     */
    FILLER
  }

  /** A person's session handed to an agent; the agent's activity starts at chunk {@code firstAgentChunk}. */
  public record Handoff(TerminalActivity activity, int firstAgentChunk) {}

  private static final String[] COMMANDS = {
      "kubectl get pods -n payments", "git status", "ls -la", "cat /etc/os-release", "docker ps",
      "journalctl -u nginx --since today", "grep -rn TODO src", "systemctl status app", "df -h", "top -b -n 1",
      "kubectl describe deploy api", "tail -n 50 /var/log/app.log", "ps aux", "env", "curl -s localhost:8080/healthz"};

  private final String name;
  private final Dist pause;
  private final Dist burstSize;
  private final Dist intraGap;
  private final Dist chunkBytes;
  private final Dist durationS;
  private final boolean typesByHand;
  private final double spread;

  private CadenceModel(String name, Dist pause, Dist burstSize, Dist intraGap, Dist chunkBytes, Dist durationS,
      boolean typesByHand) {
    this(name, pause, burstSize, intraGap, chunkBytes, durationS, typesByHand, 0.0);
  }

  private CadenceModel(String name, Dist pause, Dist burstSize, Dist intraGap, Dist chunkBytes, Dist durationS,
      boolean typesByHand, double spread) {
    this.spread = spread;
    this.name = name;
    this.pause = pause;
    this.burstSize = burstSize;
    this.intraGap = intraGap;
    this.chunkBytes = chunkBytes;
    this.durationS = durationS;
    this.typesByHand = typesByHand;
  }

  public String name() {
    return name;
  }

  /**
   * This model with run-to-run variation: every generated session draws two factors e^U(-s, s), one multiplying its
   * turn gaps (the pauses between bursts), one its output events per turn, as task and prompt length move them for
   * one model. 0 (the default) draws nothing, so sessions are exactly those without a spread.
   */
  public CadenceModel withSpread(double s) {
    if (!(s >= 0 && s <= 3)) {
      throw new IllegalArgumentException("spread " + s + " is not in [0, 3]");
    }
    return new CadenceModel(name, pause, burstSize, intraGap, chunkBytes, durationS, typesByHand, s);
  }

  private static Dist mix(double w1, Dist a, double w2, Dist b) {
    return Dist.mixture(new double[] {w1, w2}, a, b);
  }

  private static Dist mix(double w1, Dist a, double w2, Dist b, double w3, Dist c) {
    return Dist.mixture(new double[] {w1, w2, w3}, a, b, c);
  }

  /** One command, a long wait for the model (often over a minute), then a slow trickle of output. */
  public static CadenceModel kimi() {
    return new CadenceModel("kimi-k2.6",
        mix(0.62, Dist.uniform(5, 25), 0.38, Dist.uniform(31, 130)),
        Dist.uniform(5, 15),
        mix(0.22, Dist.uniform(0.02, 0.19), 0.58, Dist.uniform(0.2, 1.2), 0.20, Dist.uniform(1.2, 4)),
        Dist.logNormal(180, 0.9, 8, 4000), Dist.uniform(420, 900), false);
  }

  /** Sharply bimodal: near-instant bursts, then 6–35 s silences. */
  public static CadenceModel gemini() {
    return new CadenceModel("gemini-3.1",
        mix(0.78, Dist.uniform(6, 25), 0.14, Dist.uniform(30.5, 36), 0.08, Dist.uniform(1.2, 4)),
        Dist.uniform(8, 16),
        mix(0.6, Dist.uniform(0, 0.08), 0.4, Dist.uniform(0.1, 0.22)),
        Dist.logNormal(160, 0.8, 8, 4000), Dist.uniform(240, 420), false);
  }

  /** Metronome: a steady 5–15 s between bursts, never a long silence. */
  public static CadenceModel opus() {
    return new CadenceModel("opus-4.6",
        mix(0.88, Dist.uniform(5.1, 9), 0.12, Dist.uniform(9, 15.5)),
        Dist.uniform(7, 13),
        mix(0.92, Dist.uniform(0, 0.05), 0.08, Dist.uniform(1.1, 3.5)),
        Dist.logNormal(120, 0.8, 8, 4000), Dist.uniform(240, 360), false);
  }

  /** The tightest bursts (sub-100 ms), one long think, few medium pauses. */
  public static CadenceModel gpt() {
    return new CadenceModel("gpt-5.5",
        mix(0.8, Dist.uniform(6, 19), 0.2, Dist.uniform(1.2, 4.5)),
        Dist.uniform(15, 28),
        Dist.uniform(0, 0.06),
        Dist.logNormal(200, 0.9, 8, 4000), Dist.uniform(150, 230), false);
  }

  /** A person typing: keystroke echoes 50–500 ms apart, thinking pauses, typos corrected with backspace. */
  public static CadenceModel human() {
    return new CadenceModel("human",
        mix(0.2, Dist.uniform(1, 5), 0.77, Dist.uniform(5, 28), 0.03, Dist.uniform(30, 55)),
        Dist.uniform(1, 4),
        Dist.logNormal(0.17, 0.55, 0.04, 1.6),
        Dist.logNormal(300, 1.0, 20, 6000), Dist.uniform(400, 900), true);
  }

  /**
   * The unseen fifth model: short tool loops (2-6 s) with an occasional 12-20 s think, long bursts (20-40 chunks) of
   * small streamed chunks, most 5-40 ms apart and some 0.3-0.8 s (a line streamed while the model still writes).
   */
  public static CadenceModel unseen() {
    return new CadenceModel(UNSEEN_NAME,
        mix(0.7, Dist.uniform(2, 6), 0.3, Dist.uniform(12, 20)),
        Dist.uniform(20, 40),
        mix(0.85, Dist.uniform(0.005, 0.04), 0.15, Dist.uniform(0.3, 0.8)),
        Dist.logNormal(60, 0.7, 8, 2000), Dist.uniform(200, 400), false);
  }

  public static List<CadenceModel> agents() {
    return List.of(kimi(), gemini(), opus(), gpt());
  }

  /** The model called {@code name}: {@code human} or one of {@link #AGENT_NAMES}. */
  public static CadenceModel named(String name) {
    if (name.equals("human")) {
      return human();
    }
    if (name.equals(UNSEEN_NAME)) {
      return unseen();
    }
    return agents().stream().filter(m -> m.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown driver " + name));
  }

  /**
   * A person for 240–360 s, then (3 s after the person's last chunk) gemini, opus or gpt for 200–300 s: the
   * {@code handoff} profile's activity.
   */
  public static Handoff handoff(Rng rng, Output output) {
    TerminalActivity person = human().generate(rng, 240 + rng.nextInt(120), output);
    int firstAgentChunk = person.chunks().size();
    CadenceModel agent = agents().get(1 + rng.nextInt(3));
    return new Handoff(person.then(agent.generate(rng, 200 + rng.nextInt(100), output), 3_000), firstAgentChunk);
  }

  /** Generates a session of this model's typical length. */
  public TerminalActivity generate(Rng rng) {
    return generate(rng, Output.TEXT);
  }

  /** Generates a session of this model's typical length. */
  public TerminalActivity generate(Rng rng, Output output) {
    return generate(rng, durationS.sample(rng), output);
  }

  /** Generates about {@code seconds} of activity. */
  public TerminalActivity generate(Rng rng, double seconds) {
    return generate(rng, seconds, Output.TEXT);
  }

  /** Generates about {@code seconds} of activity. */
  public TerminalActivity generate(Rng rng, double seconds, Output output) {
    TerminalActivity act = TerminalActivity.empty();
    double turnFactor = 1;
    double eventsFactor = 1;
    if (spread > 0) {
      turnFactor = Math.exp(spread * (2 * rng.nextDouble() - 1));
      eventsFactor = Math.exp(spread * (2 * rng.nextDouble() - 1));
    }
    double t = 0.5 + rng.nextDouble();
    while (t < seconds) {
      String cmd = COMMANDS[rng.nextInt(COMMANDS.length)];
      if (typesByHand) {
        t = typeCommand(act, rng, t, cmd);
      } else {
        // the harness pastes the whole command line at once
        act.chunks().add(new TerminalActivity.Chunk(ms(t), (cmd + "\r\n").getBytes(StandardCharsets.UTF_8)));
      }
      act.commands().add(new TerminalActivity.Command(ms(t), "/usr/bin/" + cmd.split(" ")[0],
          List.of(cmd.split(" "))));
      int n = (int) Math.round(burstSize.sample(rng) * eventsFactor);
      for (int i = 0; i < n; i++) {
        t += typesByHand ? Dist.uniform(0.01, 0.25).sample(rng) : intraGap.sample(rng);
        act.chunks().add(new TerminalActivity.Chunk(ms(t), output(rng, (int) chunkBytes.sample(rng), output)));
      }
      t += pause.sample(rng) * turnFactor;
    }
    return act;
  }

  /** Echo of a command typed key by key, with the occasional typo fixed by backspaces. */
  private double typeCommand(TerminalActivity act, Rng rng, double t, String cmd) {
    for (int i = 0; i < cmd.length(); i++) {
      if (rng.nextDouble() < 0.04) {
        act.chunks().add(new TerminalActivity.Chunk(ms(t), new byte[] {'x'}));
        t += intraGap.sample(rng) + 0.15;
        act.chunks().add(new TerminalActivity.Chunk(ms(t), new byte[] {0x08, ' ', 0x08}));
        t += intraGap.sample(rng);
      }
      act.chunks().add(new TerminalActivity.Chunk(ms(t), new byte[] {(byte) cmd.charAt(i)}));
      t += intraGap.sample(rng);
    }
    t += 0.2 + 0.6 * rng.nextDouble(); // a moment before Enter
    act.chunks().add(new TerminalActivity.Chunk(ms(t), "\r\n".getBytes(StandardCharsets.UTF_8)));
    return t;
  }

  private static byte[] output(Rng rng, int bytes, Output output) {
    byte[] b = new byte[Math.max(1, bytes)];
    for (int i = 0; i < b.length; i++) {
      b[i] = (i % 64 == 63) ? (byte) '\n' : output == Output.TEXT ? (byte) ('a' + rng.nextInt(26)) : (byte) 'x';
    }
    return b;
  }

  private static long ms(double seconds) {
    return Math.round(seconds * 1000);
  }
}
