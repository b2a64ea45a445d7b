package dev.whodrove.decoder;

/**
 * Bounds that keep a hostile recording from costing unbounded memory or time.
 *
 * @param maxDecompressedBytes total bytes after gzip inflation (zip-bomb guard)
 * @param maxParts ProtoStream parts (S3 allows at most 10 000 per object)
 * @param objectSize size of the stored object when the store reports it, else -1; part sizes beyond it are errors
 */
public record DecodeLimits(long maxDecompressedBytes, int maxParts, long objectSize) {
  /** Largest record Teleport writes (its {@code MaxProtoMessageSizeBytes}). */
  public static final int MAX_RECORD_BYTES = 64 * 1024;

  public static final long DEFAULT_MAX_DECOMPRESSED_BYTES = 8L * 1024 * 1024 * 1024;
  public static final int DEFAULT_MAX_PARTS = 10_000;

  public static DecodeLimits defaults() {
    return new DecodeLimits(DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_PARTS, -1);
  }

  public DecodeLimits withObjectSize(long size) {
    return new DecodeLimits(maxDecompressedBytes, maxParts, size);
  }
}
