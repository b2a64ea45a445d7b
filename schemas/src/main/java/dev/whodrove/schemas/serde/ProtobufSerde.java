package dev.whodrove.schemas.serde;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde for one protobuf message type.
 *
 * <p>With {@value #REGISTRY_URL} set it writes the Confluent Schema Registry wire format (magic byte 0, 4-byte
 * big-endian schema id, message-index array, payload), registering the schema under {@code <topic>-value} (or
 * {@code -key}) on first use, or only looking it up when {@value #AUTO_REGISTER} is false. Without a registry it writes
 * plain protobuf. The deserializer accepts both: a plain protobuf message never starts with a zero byte (field number
 * 0 is invalid), so a leading 0 always means the registry framing.
 */
public final class ProtobufSerde<M extends Message> implements Serde<M>, Serializer<M>, Deserializer<M> {
  public static final String REGISTRY_URL = "schema.registry.url";
  public static final String AUTO_REGISTER = "auto.register.schemas";
  public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";

  private static final byte MAGIC = 0;

  private final M prototype;
  private final Parser<? extends Message> parser;
  private final int[] messageIndexes;
  private volatile SchemaRegistryClient registry;
  private volatile boolean autoRegister = true;
  private volatile boolean isKey;
  private final Map<String, Integer> schemaIdBySubject = new ConcurrentHashMap<>();

  public ProtobufSerde(M prototype) {
    this.prototype = prototype;
    this.parser = prototype.getParserForType();
    this.messageIndexes = messageIndexes(prototype.getDescriptorForType());
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    this.isKey = isKey;
    Object url = configs.get(REGISTRY_URL);
    if (url != null && !url.toString().isBlank()) {
      Object auth = configs.get(BASIC_AUTH_USER_INFO);
      registry = new SchemaRegistryClient(url.toString().split(",")[0].trim(),
          auth == null ? null : auth.toString(), Duration.ofSeconds(10));
    } else {
      registry = null;
    }
    Object ar = configs.get(AUTO_REGISTER);
    autoRegister = ar == null || Boolean.parseBoolean(ar.toString());
  }

  /** Whether this serde writes the registry framing. */
  public boolean usesRegistry() {
    return registry != null;
  }

  @Override
  public byte[] serialize(String topic, M data) {
    if (data == null) {
      return null;
    }
    byte[] payload = data.toByteArray();
    SchemaRegistryClient r = registry;
    if (r == null) {
      return payload;
    }
    int schemaId = schemaIdBySubject.computeIfAbsent(subject(topic), s -> registerOrLookup(r, s));
    byte[] indexes = encodeIndexes(messageIndexes);
    byte[] out = new byte[5 + indexes.length + payload.length];
    out[0] = MAGIC;
    out[1] = (byte) (schemaId >>> 24);
    out[2] = (byte) (schemaId >>> 16);
    out[3] = (byte) (schemaId >>> 8);
    out[4] = (byte) schemaId;
    System.arraycopy(indexes, 0, out, 5, indexes.length);
    System.arraycopy(payload, 0, out, 5 + indexes.length, payload.length);
    return out;
  }

  @Override
  public M deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    int offset = 0;
    if (data.length > 0 && data[0] == MAGIC) {
      if (data.length < 6) {
        throw new SerializationException("corrupt registry frame on " + topic + ": " + data.length
            + " bytes, need at least 6 (magic, 4-byte schema id, message indexes)");
      }
      int[] pos = {5};
      int count = readZigZagVarint(data, pos, topic);
      int[] indexes;
      if (count == 0) {
        indexes = new int[] {0};
      } else {
        if (count < 0 || count > 32) {
          throw new SerializationException("corrupt registry frame on " + topic + ": message index count " + count);
        }
        indexes = new int[count];
        for (int i = 0; i < count; i++) {
          indexes[i] = readZigZagVarint(data, pos, topic);
        }
      }
      if (!Arrays.equals(indexes, messageIndexes)) {
        throw new SerializationException("registry frame on " + topic + " names message index "
            + Arrays.toString(indexes) + " but " + prototype.getDescriptorForType().getFullName() + " is "
            + Arrays.toString(messageIndexes));
      }
      offset = pos[0];
    }
    try {
      @SuppressWarnings("unchecked")
      M msg = (M) parser.parseFrom(data, offset, data.length - offset);
      return msg;
    } catch (InvalidProtocolBufferException e) {
      throw new SerializationException("cannot parse " + prototype.getDescriptorForType().getFullName() + " from "
          + (data.length - offset) + " bytes on " + topic + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Serializer<M> serializer() {
    return this;
  }

  @Override
  public Deserializer<M> deserializer() {
    return this;
  }

  @Override
  public void close() {}

  private String subject(String topic) {
    return topic + (isKey ? "-key" : "-value");
  }

  private int registerOrLookup(SchemaRegistryClient r, String subject) {
    FileDescriptor file = prototype.getDescriptorForType().getFile();
    List<SchemaRegistryClient.Reference> refs = registerDependencies(r, file);
    String text = schemaText(file);
    return autoRegister ? r.register(subject, text, refs) : r.lookup(subject, text, refs).id();
  }

  /** Imports are registered under their file name as subject (the registry's convention for references). */
  private List<SchemaRegistryClient.Reference> registerDependencies(SchemaRegistryClient r, FileDescriptor file) {
    List<SchemaRegistryClient.Reference> refs = new ArrayList<>();
    for (FileDescriptor dep : file.getDependencies()) {
      List<SchemaRegistryClient.Reference> depRefs = registerDependencies(r, dep);
      String text = schemaText(dep);
      if (autoRegister) {
        r.register(dep.getName(), text, depRefs);
      }
      int version = r.lookup(dep.getName(), text, depRefs).version();
      refs.add(new SchemaRegistryClient.Reference(dep.getName(), dep.getName(), version));
    }
    return refs;
  }

  private static final Map<String, String> SCHEMA_TEXT = new ConcurrentHashMap<>();

  /** The .proto source shipped in the jar next to the generated classes. */
  static String schemaText(FileDescriptor file) {
    return SCHEMA_TEXT.computeIfAbsent(file.getName(), name -> {
      try (InputStream in = ProtobufSerde.class.getClassLoader().getResourceAsStream(name)) {
        if (in == null) {
          throw new SerializationException("schema source " + name + " is not on the classpath");
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** Path of indexes from the file's top-level messages down to this (possibly nested) message. */
  static int[] messageIndexes(Descriptor d) {
    Deque<Integer> path = new ArrayDeque<>();
    for (Descriptor cur = d; cur != null; cur = cur.getContainingType()) {
      path.addFirst(cur.getIndex());
    }
    return path.stream().mapToInt(Integer::intValue).toArray();
  }

  static byte[] encodeIndexes(int[] indexes) {
    if (indexes.length == 1 && indexes[0] == 0) {
      return new byte[] {0}; // the common case has a one-byte encoding
    }
    var out = new java.io.ByteArrayOutputStream();
    writeZigZagVarint(out, indexes.length);
    for (int i : indexes) {
      writeZigZagVarint(out, i);
    }
    return out.toByteArray();
  }

  private static void writeZigZagVarint(java.io.ByteArrayOutputStream out, int value) {
    int v = (value << 1) ^ (value >> 31);
    while ((v & ~0x7F) != 0) {
      out.write((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.write(v);
  }

  private static int readZigZagVarint(byte[] data, int[] pos, String topic) {
    int result = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (pos[0] >= data.length) {
        throw new SerializationException("corrupt registry frame on " + topic + ": truncated message indexes");
      }
      byte b = data[pos[0]++];
      result |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return (result >>> 1) ^ -(result & 1);
      }
    }
    throw new SerializationException("corrupt registry frame on " + topic + ": message index varint too long");
  }
}
