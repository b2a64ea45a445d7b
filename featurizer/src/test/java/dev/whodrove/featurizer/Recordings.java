package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.CommandExecuted;
import dev.whodrove.schemas.v1.ExecCommand;
import dev.whodrove.schemas.v1.PrintChunk;
import dev.whodrove.schemas.v1.RecordingComplete;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.SessionEnded;
import dev.whodrove.schemas.v1.SessionStarted;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Builds synthetic decoded recordings for tests and benchmarks. */
final class Recordings {
  static final long T0 = 1_780_000_000_000L;

  private final String sid;
  private final String uri;
  private final List<RecordingEvent> events = new ArrayList<>();
  private long index;
  private long startMs = T0;
  private long lastPrintMs = -1;
  private long prints;

  Recordings(String sid) {
    this.sid = sid;
    this.uri = "s3://bucket/sessions/" + sid + ".tar";
  }

  private RecordingEvent.Builder base(long timeMs, String type) {
    return RecordingEvent.newBuilder().setSessionId(sid).setIndex(index++).setTimeMs(timeMs).setType(type)
        .setRecordingUri(uri);
  }

  Recordings start(boolean pty) {
    events.add(base(startMs, "session.start").setSessionStart(SessionStarted.newBuilder().setKind("ssh")
        .setUser("alice").setLogin("root").setCluster("c1").setServerHostname("db-1")
        .putServerLabels("env", "prod").setTerminalSize(pty ? "80:24" : "")).build());
    return this;
  }

  Recordings print(long timeMs, long bytes) {
    events.add(base(timeMs, "print").setPrint(PrintChunk.newBuilder().setBytes(bytes).setDelayMs(timeMs - startMs)
        .setChunkIndex(prints++).setEditChars(bytes == 1 && prints % 7 == 0 ? 1 : 0)).build());
    lastPrintMs = timeMs;
    return this;
  }

  /** Prints at the given gaps (seconds) after the last print (or the start). */
  Recordings prints(double[] gapsS) {
    long t = lastPrintMs < 0 ? startMs : lastPrintMs;
    for (double g : gapsS) {
      t += Math.round(g * 1000);
      print(t, 1 + (long) (g * 10) % 50);
    }
    return this;
  }

  Recordings command(long timeMs, String... argv) {
    events.add(base(timeMs, "session.command").setCommand(CommandExecuted.newBuilder().setPath(argv[0])
        .addAllArgv(List.of(argv))).build());
    return this;
  }

  Recordings exec(long timeMs, String command) {
    events.add(base(timeMs, "exec").setExec(ExecCommand.newBuilder().setCommand(command).setExitCode("0")).build());
    return this;
  }

  Recordings end(boolean interactive) {
    long end = Math.max(lastPrintMs, startMs) + 1000;
    events.add(base(end, "session.end").setSessionEnd(SessionEnded.newBuilder().setInteractive(interactive)
        .setStartMs(startMs).setEndMs(end).addParticipants("alice")).build());
    return this;
  }

  Recordings complete() {
    events.add(base(Math.max(lastPrintMs, startMs) + 1000, "").setComplete(RecordingComplete.newBuilder()
        .setFormat("protostream-v1").setPrintEvents(prints).setEmittedEvents(index)).build());
    return this;
  }

  List<RecordingEvent> events() {
    return events;
  }

  /** Human typing: 50–400 ms keystrokes, 1–10 s thinking pauses now and then, rarely 20–40 s. */
  static double[] humanGaps(Random r, int n) {
    double[] g = new double[n];
    for (int i = 0; i < n; i++) {
      double p = r.nextDouble();
      g[i] = p < 0.85 ? 0.05 + r.nextDouble() * 0.35 : p < 0.98 ? 1 + r.nextDouble() * 9 : 20 + r.nextDouble() * 20;
    }
    return g;
  }

  /** Agent ("metronome"): zero-gap bursts of output separated by 5–12 s model turns. */
  static double[] agentGaps(Random r, int n) {
    double[] g = new double[n];
    for (int i = 0; i < n; i++) {
      g[i] = r.nextDouble() < 0.8 ? r.nextInt(3) / 1000.0 : 5 + r.nextDouble() * 7;
    }
    return g;
  }

  /** Fast typist-like rapid cadence: 20–80 ms gaps. */
  static double[] rapidGaps(Random r, int n) {
    double[] g = new double[n];
    for (int i = 0; i < n; i++) {
      g[i] = 0.02 + r.nextDouble() * 0.06;
    }
    return g;
  }
}
