package dev.whodrove.cli;

import dev.whodrove.sim.GcpSimulator;
import dev.whodrove.sim.SimulatedDataset;
import dev.whodrove.sim.TeleportSimulator;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Deterministic synthetic Teleport recordings + audit events and GCP audit entries. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = "Write simulated data in the real sources' layouts: a Teleport data dir (JSON audit log, "
        + "ProtoStream recordings in log/records), Cloud Audit Log JSONL archives, and truth.jsonl.")
public final class SimulateCommand implements Callable<Integer> {
  @Option(names = "--profile", defaultValue = "mix",
      description = "One of: mix (every profile), ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.",
      completionCandidates = Profiles.class)
  String profile;

  @Option(names = "--count", defaultValue = "10", description = "Sessions (or GCP principals) per profile.")
  int count;

  @Option(names = "--out", required = true, description = "Output directory.")
  Path out;

  @Option(names = "--seed", defaultValue = "1", description = "Random seed; the same seed gives the same data.")
  long seed;

  @Option(names = "--spread", defaultValue = "0", paramLabel = "S",
      description = "Run-to-run variation of the Teleport cadence models: each session's turn gaps and output events "
          + "per turn are multiplied by factors e^U(-S,S). Default: ${DEFAULT-VALUE} (none).")
  double spread;

  /** Every profile name, Teleport first. */
  static final class Profiles extends java.util.ArrayList<String> {
    private static final long serialVersionUID = 1L;

    Profiles() {
      super(TeleportSimulator.PROFILES);
      addAll(TeleportSimulator.EXTRA_PROFILES);
      addAll(GcpSimulator.PROFILES);
    }
  }

  @Override
  public Integer call() throws Exception {
    Map<String, Integer> teleport = new LinkedHashMap<>();
    Map<String, Integer> gcp = new LinkedHashMap<>();
    if (profile.equals("mix")) {
      TeleportSimulator.PROFILES.forEach(p -> teleport.put(p, count));
      GcpSimulator.PROFILES.forEach(p -> gcp.put(p, count));
    } else if (TeleportSimulator.PROFILES.contains(profile) || TeleportSimulator.EXTRA_PROFILES.contains(profile)) {
      teleport.put(profile, count);
    } else if (GcpSimulator.PROFILES.contains(profile)) {
      gcp.put(profile, count);
    } else {
      throw new IllegalArgumentException("unknown profile " + profile + "; known: mix, " + new Profiles());
    }
    SimulatedDataset.Summary s = SimulatedDataset.write(out, seed, teleport, gcp, spread);
    System.out.printf("wrote %d Teleport sessions (%d recording bytes) under %s%n", s.teleportSessions(),
        s.recordingBytes(), s.teleportDataDir());
    System.out.printf("wrote %d GCP audit entries of %d principals under %s%n", s.gcpEntries(), s.gcpActivities(),
        s.gcpDir());
    System.out.printf("truth: %s%n", s.truthFile());
    return 0;
  }
}
