package dev.whodrove.runtime;

import dev.whodrove.schemas.Topics;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The record size limits of a service, set from one place (docs/reliability.md): the topics it creates get
 * {@code max.message.bytes} = {@link #maxMessageBytes()}, its producers {@code max.request.size} = the same, a
 * record over it is dead-lettered instead of sent, and a dead letter keeps at most
 * {@link #deadLetterMaxOriginalBytes()} of the original key and value, so it always fits.
 *
 * @param maxMessageBytes the largest record a topic takes and a producer sends
 * @param deadLetterMaxOriginalBytes how much of the original key and of the original value a dead letter keeps
 */
public record MessageLimits(int maxMessageBytes, int deadLetterMaxOriginalBytes) {
  /** Shared key: {@code max.message.bytes} of created topics and {@code max.request.size} of producers. */
  public static final String MAX_MESSAGE_BYTES = "topics.max.message.bytes";
  /** Shared key: bytes of the original key and value a dead letter keeps (the rest is summed up by length and digest). */
  public static final String DEAD_LETTER_MAX_ORIGINAL_BYTES = "deadletter.max.original.bytes";
  public static final int DEFAULT_DEAD_LETTER_MAX_ORIGINAL_BYTES = 256 * 1024;
  /**
   * What a dead letter needs besides its originals (the record key, which repeats the original key, and the value's
   * copy of it count as originals): reason (at most {@value DeadLetters#MAX_REASON_CHARS} characters), locator, names,
   * digests, headers and record framing.
   */
  public static final int DEAD_LETTER_OVERHEAD_BYTES = 64 * 1024;
  /** Record framing a producer adds around key, value and headers, counted generously (batch and record headers). */
  static final int RECORD_OVERHEAD_BYTES = 128;

  public static final MessageLimits DEFAULT =
      new MessageLimits(Topics.DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_DEAD_LETTER_MAX_ORIGINAL_BYTES);

  public MessageLimits {
    if (deadLetterMaxOriginalBytes < 0) {
      throw new IllegalArgumentException("the dead-letter original limit must not be negative");
    }
    if (maxMessageBytes < deadLetterBytesUpperBound(deadLetterMaxOriginalBytes)) {
      throw new IllegalArgumentException("a record limit of " + maxMessageBytes + " bytes cannot hold a dead letter "
          + "keeping " + deadLetterMaxOriginalBytes + " bytes of each original: it needs at least "
          + deadLetterBytesUpperBound(deadLetterMaxOriginalBytes) + " (3 × the original limit + "
          + DEAD_LETTER_OVERHEAD_BYTES + ")");
    }
  }

  /** From {@value #MAX_MESSAGE_BYTES} and {@value #DEAD_LETTER_MAX_ORIGINAL_BYTES}; a contradiction stops the start. */
  public static MessageLimits from(ServiceConfig cfg) {
    int max = cfg.getInt(MAX_MESSAGE_BYTES, Topics.DEFAULT_MAX_MESSAGE_BYTES);
    int original = cfg.getInt(DEAD_LETTER_MAX_ORIGINAL_BYTES, DEFAULT_DEAD_LETTER_MAX_ORIGINAL_BYTES);
    try {
      return new MessageLimits(max, original);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("invalid config " + MAX_MESSAGE_BYTES + "=" + max + " ("
          + ServiceConfig.keyToEnv(MAX_MESSAGE_BYTES) + ") with " + DEAD_LETTER_MAX_ORIGINAL_BYTES + "=" + original
          + " (" + ServiceConfig.keyToEnv(DEAD_LETTER_MAX_ORIGINAL_BYTES) + "): " + e.getMessage());
    }
  }

  /** The most a dead letter keeping {@code originalBytes} of each original can take, framing included. */
  public static int deadLetterBytesUpperBound(int originalBytes) {
    return 3 * originalBytes + DEAD_LETTER_OVERHEAD_BYTES;
  }

  /**
   * {@code clientProps} with this limit as the producer's {@code max.request.size}: the one setting of it (a
   * {@code kafka.max.request.size} key is overridden; set {@value #MAX_MESSAGE_BYTES} instead).
   */
  public Map<String, Object> producerProperties(Map<String, Object> clientProps) {
    Map<String, Object> p = new HashMap<>(clientProps);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxMessageBytes);
    return p;
  }

  /**
   * An upper bound of the bytes {@code record} takes in a record batch of its own, at least what the producer checks
   * against {@code max.request.size} and the broker against {@code max.message.bytes}.
   */
  public static long sizeUpperBound(ProducerRecord<byte[], byte[]> record) {
    long size = RECORD_OVERHEAD_BYTES + length(record.key()) + length(record.value());
    for (Header h : record.headers()) {
      size += 10 + h.key().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + length(h.value());
    }
    return size;
  }

  /** Whether {@code record} can be sent and stored under this limit. */
  public boolean fits(ProducerRecord<byte[], byte[]> record) {
    return sizeUpperBound(record) <= maxMessageBytes;
  }

  private static int length(byte[] b) {
    return b == null ? 0 : b.length;
  }
}
