package dev.whodrove.cli;

import dev.whodrove.classifier.ProfileEvaluation;
import dev.whodrove.decoder.RecordingDecoder;
import dev.whodrove.featurizer.TeleportSessionAccumulator;
import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.sim.ProtoStreamWriter;
import dev.whodrove.sim.SimulatedDataset;
import dev.whodrove.sim.SimulatedSession;
import dev.whodrove.sim.TeleportSimulator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Simulated Teleport sessions with their truth, each written as a ProtoStream recording in memory and read back
 * through the services' decoder and featurizer: what {@code simulate} followed by {@code profiles eval} gives, without
 * the files.
 */
final class SimulatedCorpus {
  private SimulatedCorpus() {}

  /** {@code perProfile} sessions of each profile, interleaved, from one seeded simulator. */
  static List<ProfileEvaluation.Case> cases(List<String> profiles, int perProfile, double spread, long seed) {
    TeleportSimulator sim = new TeleportSimulator(seed, SimulatedDataset.EPOCH_MS, "file:///sim").spread(spread);
    List<ProfileEvaluation.Case> out = new ArrayList<>();
    for (int i = 0; i < perProfile; i++) {
      for (String p : profiles) {
        SimulatedSession s = sim.next(p);
        out.add(new ProfileEvaluation.Case(s.sessionId(), s.expectedOperator(), s.expectedModel(), featurize(s)));
      }
    }
    return out;
  }

  static SessionFeatures featurize(SimulatedSession s) {
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      try (ProtoStreamWriter w = new ProtoStreamWriter(buf)) {
        for (OneOf e : s.recording()) {
          w.write(e);
        }
      }
      byte[] bytes = buf.toByteArray();
      TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
      RecordingDecoder.Result r = new RecordingDecoder(RecordingDecoder.Settings.defaults()).decode(
          new ByteArrayInputStream(bytes), s.sessionId(), "mem:///" + s.sessionId() + ".tar", bytes.length, acc::add);
      if (!r.ok()) {
        throw new IllegalStateException("simulated recording " + s.sessionId() + " did not decode: "
            + r.error().getMessage());
      }
      SessionFeatures f = acc.build(s.sessionId());
      return f.toBuilder().setRevision(1).setComputedAtMs(f.getEndedMs()).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
