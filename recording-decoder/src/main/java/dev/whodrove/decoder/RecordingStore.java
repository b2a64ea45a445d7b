package dev.whodrove.decoder;

/** Opens recording objects of one kind of storage. */
public interface RecordingStore extends AutoCloseable {
  /** URI scheme served: {@code s3}, {@code gs} or {@code file}. */
  String scheme();

  /**
   * Opens the object for streaming, after checking it against this store's allowlist.
   *
   * @throws StoreException refused, missing or unreadable (permanent), or temporarily unavailable (transient)
   */
  StoredObject open(RecordingLocation location) throws StoreException;

  @Override
  default void close() {}
}
