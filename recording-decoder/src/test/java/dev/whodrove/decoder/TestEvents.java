package dev.whodrove.decoder;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.whodrove.schemas.teleport.BPFMetadata;
import dev.whodrove.schemas.teleport.ConnectionMetadata;
import dev.whodrove.schemas.teleport.Metadata;
import dev.whodrove.schemas.teleport.OneOf;
import dev.whodrove.schemas.teleport.Resize;
import dev.whodrove.schemas.teleport.ServerMetadata;
import dev.whodrove.schemas.teleport.SessionCommand;
import dev.whodrove.schemas.teleport.SessionEnd;
import dev.whodrove.schemas.teleport.SessionMetadata;
import dev.whodrove.schemas.teleport.SessionPrint;
import dev.whodrove.schemas.teleport.SessionStart;
import dev.whodrove.schemas.teleport.UserMetadata;
import dev.whodrove.sim.ProtoStreamWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Builds Teleport events and recordings for tests and benchmarks. */
public final class TestEvents {
  public static final long T0 = 1_760_000_000_000L;
  public static final String SID = "5b1c0d2e-1111-4222-8333-444455556666";

  private TestEvents() {}

  public static Metadata md(long index, String type, long timeMs) {
    return Metadata.newBuilder().setIndex(index).setType(type).setID(type.equals("print") ? "" : "uid-" + index)
        .setTime(Timestamp.newBuilder().setSeconds(timeMs / 1000).setNanos((int) (timeMs % 1000) * 1_000_000))
        .setClusterName("example-cluster").build();
  }

  public static OneOf start(long index) {
    return OneOf.newBuilder().setSessionStart(SessionStart.newBuilder()
        .setMetadata(md(index, "session.start", T0 + index))
        .setUser(UserMetadata.newBuilder().setUser("alice").setLogin("root"))
        .setSession(SessionMetadata.newBuilder().setSessionID(SID))
        .setServer(ServerMetadata.newBuilder().setServerID("node-1").setServerHostname("web-1")
            .putServerLabels("env", "prod"))
        .setConnection(ConnectionMetadata.newBuilder().setRemoteAddr("10.0.0.9:51234").setProtocol("ssh"))
        .setTerminalSize("120:40")).build();
  }

  public static OneOf print(long index, long chunk, String data, long delayMs, long offset) {
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    return OneOf.newBuilder().setSessionPrint(SessionPrint.newBuilder()
        .setMetadata(md(index, "print", T0 + delayMs))
        .setChunkIndex(chunk).setData(ByteString.copyFrom(bytes)).setBytes(bytes.length)
        .setDelayMilliseconds(delayMs).setOffset(offset)).build();
  }

  public static OneOf resize(long index, String size) {
    return OneOf.newBuilder().setResize(Resize.newBuilder().setMetadata(md(index, "resize", T0 + index))
        .setTerminalSize(size)).build();
  }

  public static OneOf command(long index, String path) {
    return OneOf.newBuilder().setSessionCommand(SessionCommand.newBuilder()
        .setMetadata(md(index, "session.command", T0 + index))
        .setBPF(BPFMetadata.newBuilder().setPID(4242).setProgram("ls"))
        .setPPID(4000).setPath(path).addArgv("ls").addArgv("-la").setReturnCode(0)).build();
  }

  public static OneOf end(long index) {
    return OneOf.newBuilder().setSessionEnd(SessionEnd.newBuilder()
        .setMetadata(md(index, "session.end", T0 + 60_000))
        .setInteractive(true).addParticipants("alice")
        .setStartTime(Timestamp.newBuilder().setSeconds(T0 / 1000))
        .setEndTime(Timestamp.newBuilder().setSeconds(T0 / 1000 + 60))).build();
  }

  /** Sets the event index of any supported member. */
  public static OneOf withIndex(OneOf e, long index) {
    OneOf.Builder b = e.toBuilder();
    switch (e.getEventCase()) {
      case SESSIONPRINT -> b.getSessionPrintBuilder().getMetadataBuilder().setIndex(index);
      case SESSIONSTART -> b.getSessionStartBuilder().getMetadataBuilder().setIndex(index);
      case RESIZE -> b.getResizeBuilder().getMetadataBuilder().setIndex(index);
      case SESSIONCOMMAND -> b.getSessionCommandBuilder().getMetadataBuilder().setIndex(index);
      case SESSIONEND -> b.getSessionEndBuilder().getMetadataBuilder().setIndex(index);
      default -> throw new IllegalArgumentException(e.getEventCase().toString());
    }
    return b.build();
  }

  private static final String[] LINES = {
      "$ ", "l", "s", "\r\n", "total 48\r\ndrwxr-xr-x  5 root root 4096 Jan  1 12:00 .\r\n",
      "\u001b[01;34mbin\u001b[0m  etc  \u001b[01;32mrun.sh\u001b[0m\r\n", "k", "u", "b", "\u007f", "\u001b[A",
      "kubectl get pods -n prod\r\n", "NAME                     READY   STATUS    RESTARTS   AGE\r\n",
      "api-7d9f8b6c5d-x2x9z     1/1     Running   0          3d4h\r\n", "g", "i", "t", " ", "\u0008"};

  /** A realistic session: start, many small print chunks (keystroke echo and short output), resizes, end. */
  public static List<OneOf> session(int prints, long seed) {
    Random r = new Random(seed);
    List<OneOf> events = new ArrayList<>(prints + 4);
    long index = 0;
    events.add(start(index++));
    long delay = 0;
    long offset = 0;
    for (int i = 0; i < prints; i++) {
      String data = LINES[r.nextInt(LINES.length)];
      if (r.nextInt(50) == 0) {
        data = data.repeat(1 + r.nextInt(20));
      }
      delay += r.nextInt(10) == 0 ? 500 + r.nextInt(3000) : 20 + r.nextInt(200);
      events.add(print(index++, i, data, delay, offset));
      offset += data.getBytes(StandardCharsets.UTF_8).length;
      if (r.nextInt(500) == 0) {
        events.add(resize(index++, (80 + r.nextInt(100)) + ":" + (20 + r.nextInt(40))));
      }
    }
    events.add(end(index));
    return events;
  }

  /**
   * An agent-like session: bursts of typed command lines echoed one chunk per keystroke, then command output in
   * chunks of 100–4000 bytes (log lines with varying numbers, so it compresses like real output).
   */
  public static List<OneOf> sessionWithOutput(int prints, long seed) {
    Random r = new Random(seed);
    List<OneOf> events = new ArrayList<>(prints + 2);
    long index = 0;
    events.add(start(index++));
    long delay = 0;
    long offset = 0;
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < prints; i++) {
      sb.setLength(0);
      if (r.nextInt(10) < 6) {
        sb.append((char) ('a' + r.nextInt(26)));
        delay += 30 + r.nextInt(150);
      } else {
        int target = 100 + r.nextInt(3900);
        while (sb.length() < target) {
          sb.append("2026-11-23T13:").append(10 + r.nextInt(50)).append(':').append(10 + r.nextInt(50))
              .append('.').append(r.nextInt(1000)).append("Z INFO  request id=").append(Long.toHexString(r.nextLong()))
              .append(" path=/api/v1/items/").append(r.nextInt(100000)).append(" status=200 took=")
              .append(r.nextInt(900)).append("ms\r\n");
        }
        delay += 5 + r.nextInt(2000);
      }
      String data = sb.toString();
      events.add(print(index++, i, data, delay, offset));
      offset += data.length();
    }
    events.add(end(index));
    return events;
  }

  public static byte[] write(List<OneOf> events, ProtoStreamWriter.Options options) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ProtoStreamWriter w = new ProtoStreamWriter(out, options)) {
      for (OneOf e : events) {
        w.write(e);
      }
    }
    return out.toByteArray();
  }

  public static List<OneOf> readAll(byte[] recording, DecodeLimits limits) throws IOException {
    List<OneOf> out = new ArrayList<>();
    try (ProtoStreamReader r = new ProtoStreamReader(new java.io.ByteArrayInputStream(recording), limits)) {
      OneOf e;
      while ((e = r.next()) != null) {
        out.add(e);
      }
    }
    return out;
  }

  /** gzip of {@code plain} at best speed, as one member. */
  public static byte[] gzip(byte[] plain) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream g = new java.util.zip.GZIPOutputStream(out)) {
      g.write(plain);
    }
    return out.toByteArray();
  }

  /** A length-prefixed record holding {@code e}. */
  public static byte[] record(OneOf e) {
    byte[] body = e.toByteArray();
    byte[] rec = new byte[body.length + 4];
    rec[0] = (byte) (body.length >>> 24);
    rec[1] = (byte) (body.length >>> 16);
    rec[2] = (byte) (body.length >>> 8);
    rec[3] = (byte) body.length;
    System.arraycopy(body, 0, rec, 4, body.length);
    return rec;
  }
}
