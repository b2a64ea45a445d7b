package dev.whodrove.correlator;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Binary encodings of a {@link SessionSide} (the repartition topic's values) and of an {@link IdentityState} (the
 * state store's values and its changelog). A leading format byte lets a later version read what this one wrote.
 */
public final class StateCodec {
  static final byte SIDE_FORMAT = 1;
  static final byte STATE_FORMAT = 1;
  /** Bounds a corrupt or hostile length field before it allocates. */
  private static final int MAX_ITEMS = 1 << 16;

  private StateCodec() {}

  public static byte[] encode(SessionSide s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(SIDE_FORMAT);
      writeSide(out, s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  public static SessionSide decodeSide(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      byte format = in.readByte();
      if (format != SIDE_FORMAT) {
        throw new IllegalArgumentException("unknown session-side format " + format);
      }
      return readSide(in);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated session side: " + e, e);
    }
  }

  public static byte[] encode(IdentityState st) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(STATE_FORMAT);
      out.writeBoolean(st.everPaired);
      out.writeByte(st.sidesSeen);
      out.writeInt(st.entries.size());
      for (IdentityState.Entry e : st.entries) {
        writeSide(out, e.side);
        writeStrings(out, List.copyOf(e.peers));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  public static IdentityState decodeState(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      byte format = in.readByte();
      if (format != STATE_FORMAT) {
        throw new IllegalArgumentException("unknown identity-state format " + format);
      }
      IdentityState st = new IdentityState();
      st.everPaired = in.readBoolean();
      st.sidesSeen = in.readByte();
      int n = count(in.readInt());
      for (int i = 0; i < n; i++) {
        SessionSide side = readSide(in);
        Set<String> peers = new TreeSet<>(readStrings(in));
        st.entries.add(new IdentityState.Entry(side, peers));
      }
      return st;
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated identity state: " + e, e);
    }
  }

  private static void writeSide(DataOutputStream out, SessionSide s) throws IOException {
    out.writeUTF(s.sessionId());
    out.writeByte(s.kind().ordinal());
    out.writeUTF(s.substrate());
    out.writeUTF(s.user());
    out.writeUTF(s.identity());
    out.writeLong(s.startMs());
    out.writeLong(s.endMs());
    out.writeUTF(s.operator());
    out.writeDouble(s.confidence());
    out.writeUTF(s.model());
    out.writeInt(s.segments().size());
    for (SessionSide.Segment seg : s.segments()) {
      out.writeInt(seg.index());
      out.writeLong(seg.startMs());
      out.writeLong(seg.endMs());
      out.writeUTF(seg.label());
    }
    out.writeLong(s.emittedAtMs());
    writeStrings(out, s.mergedSessionIds());
  }

  private static SessionSide readSide(DataInputStream in) throws IOException {
    String id = in.readUTF();
    int kind = in.readByte();
    if (kind < 0 || kind >= SessionSide.Kind.values().length) {
      throw new IllegalArgumentException("unknown side kind " + kind);
    }
    String substrate = in.readUTF();
    String user = in.readUTF();
    String identity = in.readUTF();
    long start = in.readLong();
    long end = in.readLong();
    String operator = in.readUTF();
    double confidence = in.readDouble();
    String model = in.readUTF();
    int n = count(in.readInt());
    List<SessionSide.Segment> segments = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      segments.add(new SessionSide.Segment(in.readInt(), in.readLong(), in.readLong(), in.readUTF()));
    }
    long emitted = in.readLong();
    List<String> merged = readStrings(in);
    return new SessionSide(id, SessionSide.Kind.values()[kind], substrate, user, identity, start, end, operator,
        confidence, model, segments, emitted, merged);
  }

  private static void writeStrings(DataOutputStream out, List<String> values) throws IOException {
    out.writeInt(values.size());
    for (String v : values) {
      out.writeUTF(v);
    }
  }

  private static List<String> readStrings(DataInputStream in) throws IOException {
    int n = count(in.readInt());
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(in.readUTF());
    }
    return out;
  }

  private static int count(int n) {
    if (n < 0 || n > MAX_ITEMS) {
      throw new IllegalArgumentException("bad item count " + n);
    }
    return n;
  }

  /** Serde of the repartition topic's values. */
  public static Serde<SessionSide> sideSerde() {
    Serializer<SessionSide> ser = (topic, s) -> s == null ? null : encode(s);
    Deserializer<SessionSide> de = (topic, b) -> b == null ? null : decodeSide(b);
    return Serdes.serdeFrom(ser, de);
  }

  /** Serde of the state store's values. */
  public static Serde<IdentityState> stateSerde() {
    Serializer<IdentityState> ser = (topic, s) -> s == null ? null : encode(s);
    Deserializer<IdentityState> de = (topic, b) -> b == null ? null : decodeState(b);
    return Serdes.serdeFrom(ser, de);
  }
}
