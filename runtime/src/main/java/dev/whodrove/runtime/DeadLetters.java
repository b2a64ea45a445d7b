package dev.whodrove.runtime;

import com.google.protobuf.ByteString;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.SourcePosition;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds dead-letter records, the same shape for every service: key = the original key bytes, value = a
 * {@link DeadLetter} holding the original bytes, the source position and the reason, and headers repeating the
 * reason, service and source for tools that do not decode the value.
 *
 * <p>A dead letter always fits its topic ({@link MessageLimits}): it keeps at most
 * {@link MessageLimits#deadLetterMaxOriginalBytes()} of the original key and of the original value, and records the
 * full length and the SHA-256 of each ({@code original_*_size}, {@code original_*_sha256},
 * {@code original_truncated}); the reason is cut to {@value #MAX_REASON_CHARS} characters, a source locator to
 * {@value #MAX_LOCATOR_CHARS}.
 *
 * <p>Given a metrics registry, it counts every dead letter it builds as {@value #METRIC}{@code {topic, reason}}, the
 * reason as a short code ({@link #reasonCode}); a transaction that is aborted and retried counts its dead letters
 * again.
 */
public final class DeadLetters {
  /** Dead letters built, by dead-letter topic and reason code. */
  public static final String METRIC = "whodrove.dead.letters";
  public static final String HEADER_REASON = "whodrove.dlq.reason";
  public static final String HEADER_SERVICE = "whodrove.dlq.service";
  public static final String HEADER_SOURCE = "whodrove.dlq.source";
  public static final String HEADER_ERROR_CLASS = "whodrove.dlq.error.class";
  /** Length in bytes of the whole original value, as decimal text. */
  public static final String HEADER_ORIGINAL_SIZE = "whodrove.dlq.original.size";
  /** SHA-256 of the whole original value, as lower-case hex. */
  public static final String HEADER_ORIGINAL_SHA256 = "whodrove.dlq.original.sha256";
  /** Longest reason kept in the value; the reason header keeps {@value #MAX_REASON_HEADER_CHARS}. */
  public static final int MAX_REASON_CHARS = 4096;
  public static final int MAX_REASON_HEADER_CHARS = 1000;
  public static final int MAX_LOCATOR_CHARS = 4096;

  /**
   * What a dead letter keeps of an original: its first bytes (all of them when {@code bytes.length == size}), its
   * whole length and the SHA-256 of the whole of it.
   *
   * @param sha256 SHA-256 of all {@code size} bytes; null when {@code bytes} is the whole original (then computed)
   */
  public record Original(byte[] bytes, long size, byte[] sha256) {
    public Original {
      if (bytes.length > size) {
        throw new IllegalArgumentException("original of " + size + " bytes cannot hold " + bytes.length);
      }
      if (bytes.length < size && (sha256 == null || sha256.length != 32)) {
        throw new IllegalArgumentException("a partial original needs the SHA-256 of the whole");
      }
    }

    /** All of an original's bytes. */
    public static Original of(byte[] whole) {
      return new Original(whole, whole.length, null);
    }

    /** The first bytes of an original of {@code size} bytes whose SHA-256 is {@code sha256}. */
    public static Original head(byte[] head, long size, byte[] sha256) {
      return new Original(head, size, sha256);
    }

    byte[] digest() {
      return sha256 != null ? sha256 : DeadLetters.sha256(bytes);
    }
  }

  private final String service;
  private final ProtobufSerde<DeadLetter> serde;
  private final int maxOriginalBytes;
  private final MeterRegistry registry;

  /** @param serdeConfig client config carrying the schema registry settings, if any */
  public DeadLetters(String service, Map<String, ?> serdeConfig) {
    this(service, serdeConfig, MessageLimits.DEFAULT);
  }

  /**
   * @param serdeConfig client config carrying the schema registry settings, if any
   * @param limits how much of an original a dead letter keeps
   */
  public DeadLetters(String service, Map<String, ?> serdeConfig, MessageLimits limits) {
    this(service, serdeConfig, limits, null);
  }

  /**
   * @param serdeConfig client config carrying the schema registry settings, if any
   * @param limits how much of an original a dead letter keeps
   * @param registry where dead letters are counted ({@value #METRIC}); null: not counted
   */
  public DeadLetters(String service, Map<String, ?> serdeConfig, MessageLimits limits, MeterRegistry registry) {
    this.service = service;
    this.serde = new ProtobufSerde<>(DeadLetter.getDefaultInstance());
    this.serde.configure(serdeConfig, false);
    this.maxOriginalBytes = limits.deadLetterMaxOriginalBytes();
    this.registry = registry;
  }

  private static final int MAX_CODE_WORDS = 4;
  private static final int MAX_CODE_CHARS = 48;

  /**
   * A reason's code for the metric tag: the words it starts with, before any ':' and any digit, path or quote
   * (which name the record rather than the kind of failure), at most {@value #MAX_CODE_WORDS}, lower case, joined
   * by '_': {@code "not_json: Unrecognized token…"} → {@code not_json}, {@code "recording not found: /records/…"}
   * → {@code recording_not_found}. Reasons are written by the services, so the codes are few.
   */
  public static String reasonCode(String reason) {
    String text = reason == null ? "" : reason;
    int end = 0;
    while (end < text.length() && (Character.isLetter(text.charAt(end)) || " _-".indexOf(text.charAt(end)) >= 0)) {
      end++;
    }
    String[] words = text.substring(0, end).toLowerCase(Locale.ROOT).replace('-', '_').trim().split("[\\s_]+");
    StringBuilder code = new StringBuilder();
    for (int i = 0; i < words.length && i < MAX_CODE_WORDS; i++) {
      if (!words[i].isEmpty()) {
        code.append(code.length() == 0 ? "" : "_").append(words[i]);
      }
    }
    String c = code.length() > MAX_CODE_CHARS ? code.substring(0, MAX_CODE_CHARS) : code.toString();
    return c.isEmpty() ? "other" : c;
  }

  /** Bytes of an original key or value a dead letter keeps. */
  public int maxOriginalBytes() {
    return maxOriginalBytes;
  }

  /** A dead letter for a Kafka record that could not be processed. */
  public ProducerRecord<byte[], byte[]> forKafkaRecord(String dlqTopic, String sourceTopic, int partition, long offset,
      byte[] key, byte[] value, String reason, Throwable error) {
    DeadLetter.Builder dl = base(key, value == null ? null : Original.of(value), reason, error)
        .setSourceTopic(sourceTopic).setSourcePartition(partition).setSourceOffset(offset);
    return record(dlqTopic, key, dl.build(), sourceTopic + "/" + partition + "@" + offset);
  }

  /** A dead letter for input read outside Kafka (a file line, an SQS or Pub/Sub message, an HTTP request). */
  public ProducerRecord<byte[], byte[]> forSource(String dlqTopic, SourcePosition source, byte[] key, byte[] value,
      String reason, Throwable error) {
    return forSource(dlqTopic, source, key, value == null ? null : Original.of(value), reason, error);
  }

  /**
   * A dead letter for input read outside Kafka of which the source kept only the first bytes (an oversize line):
   * {@code value} carries the whole length and digest.
   */
  public ProducerRecord<byte[], byte[]> forSource(String dlqTopic, SourcePosition source, byte[] key, Original value,
      String reason, Throwable error) {
    SourcePosition kept = source.getLocator().length() <= MAX_LOCATOR_CHARS ? source
        : source.toBuilder().setLocator(truncate(source.getLocator(), MAX_LOCATOR_CHARS)).build();
    DeadLetter.Builder dl = base(key, value, reason, error)
        .setSourcePartition(-1).setSourceOffset(-1).setSource(kept);
    return record(dlqTopic, key, dl.build(), kept.getSource() + ":" + kept.getLocator()
        + (kept.getOffset() >= 0 ? "@" + kept.getOffset() : ""));
  }

  private DeadLetter.Builder base(byte[] key, Original value, String reason, Throwable error) {
    DeadLetter.Builder b = DeadLetter.newBuilder()
        .setService(service)
        .setReason(truncate(reason == null ? "" : reason, MAX_REASON_CHARS))
        .setFailedAtMs(System.currentTimeMillis());
    boolean truncated = false;
    if (key != null) {
      byte[] head = head(key);
      b.setOriginalKey(ByteString.copyFrom(head)).setOriginalKeySize(key.length)
          .setOriginalKeySha256(ByteString.copyFrom(sha256(key)));
      truncated = head.length < key.length;
    }
    if (value != null) {
      byte[] head = head(value.bytes());
      b.setOriginalValue(ByteString.copyFrom(head)).setOriginalValueSize(value.size())
          .setOriginalValueSha256(ByteString.copyFrom(value.digest()));
      truncated |= head.length < value.size();
    }
    b.setOriginalTruncated(truncated);
    if (error != null) {
      b.setErrorClass(error.getClass().getName());
    }
    return b;
  }

  private byte[] head(byte[] b) {
    return b.length <= maxOriginalBytes ? b : Arrays.copyOf(b, maxOriginalBytes);
  }

  private ProducerRecord<byte[], byte[]> record(String dlqTopic, byte[] key, DeadLetter dl, String source) {
    if (registry != null) {
      Counter.builder(METRIC).description("dead letters written, by dead-letter topic and reason code")
          .tag("topic", dlqTopic).tag("reason", reasonCode(dl.getReason())).register(registry).increment();
    }
    RecordHeaders headers = new RecordHeaders();
    headers.add(HEADER_REASON, utf8(truncate(dl.getReason(), MAX_REASON_HEADER_CHARS)));
    headers.add(HEADER_SERVICE, utf8(service));
    headers.add(HEADER_SOURCE, utf8(source));
    if (!dl.getErrorClass().isEmpty()) {
      headers.add(HEADER_ERROR_CLASS, utf8(dl.getErrorClass()));
    }
    if (!dl.getOriginalValueSha256().isEmpty()) {
      headers.add(HEADER_ORIGINAL_SIZE, utf8(Long.toString(dl.getOriginalValueSize())));
      headers.add(HEADER_ORIGINAL_SHA256, utf8(HexFormat.of().formatHex(dl.getOriginalValueSha256().toByteArray())));
    }
    return new ProducerRecord<>(dlqTopic, null, key == null ? null : head(key), serde.serialize(dlqTopic, dl),
        headers);
  }

  /**
   * Why the original a dead letter keeps is not the whole original, so it cannot be submitted again: it was cut to
   * {@code deadletter.max.original.bytes}, or its bytes do not match the SHA-256 recorded for them. Empty when the
   * original is whole ({@link #originalKey}, {@link #originalValue}).
   */
  public static Optional<String> whyNotWhole(DeadLetter dl) {
    if (dl.getOriginalTruncated() || dl.getOriginalValueSize() > dl.getOriginalValue().size()
        || dl.getOriginalKeySize() > dl.getOriginalKey().size()) {
      return Optional.of("truncated: it keeps " + dl.getOriginalValue().size() + " of " + dl.getOriginalValueSize()
          + " value bytes" + (dl.getOriginalKeySize() > dl.getOriginalKey().size()
              ? " and " + dl.getOriginalKey().size() + " of " + dl.getOriginalKeySize() + " key bytes" : ""));
    }
    if (!matches(dl.getOriginalValue(), dl.getOriginalValueSha256())
        || !matches(dl.getOriginalKey(), dl.getOriginalKeySha256())) {
      return Optional.of("corrupt: the original bytes do not match their SHA-256");
    }
    return Optional.empty();
  }

  /** The original key, null when the input had none. */
  public static byte[] originalKey(DeadLetter dl) {
    return original(dl.getOriginalKey(), dl.getOriginalKeySha256());
  }

  /** The original value, null when the input had none (a tombstone). */
  public static byte[] originalValue(DeadLetter dl) {
    return original(dl.getOriginalValue(), dl.getOriginalValueSha256());
  }

  // a present original, even an empty one, always has its digest; dead letters older than the digest fields have
  // none, and then only non-empty bytes say something was there
  private static byte[] original(ByteString bytes, ByteString sha256) {
    return bytes.isEmpty() && sha256.isEmpty() ? null : bytes.toByteArray();
  }

  private static boolean matches(ByteString bytes, ByteString sha256) {
    return sha256.isEmpty() || MessageDigest.isEqual(sha256(bytes.toByteArray()), sha256.toByteArray());
  }

  /** SHA-256 of {@code b}. */
  public static byte[] sha256(byte[] b) {
    return newSha256().digest(b);
  }

  /** A fresh SHA-256 digest, for sources that sum up input as they stream it. */
  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }
}
