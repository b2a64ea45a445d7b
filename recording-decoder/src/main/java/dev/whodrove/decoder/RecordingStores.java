package dev.whodrove.decoder;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The configured stores by scheme: turns a reference's URI into an open object, or a reasoned refusal. */
public final class RecordingStores implements AutoCloseable {
  private final Map<String, RecordingStore> byScheme = new HashMap<>();

  public RecordingStores(List<RecordingStore> stores) {
    for (RecordingStore s : stores) {
      byScheme.put(s.scheme(), s);
    }
  }

  /** Parses {@code uri} (deriving the object name from Teleport upload URLs) and opens it. */
  public StoredObject open(String uri) throws StoreException {
    return open(RecordingLocation.parse(uri));
  }

  public StoredObject open(RecordingLocation location) throws StoreException {
    RecordingStore store = byScheme.get(location.scheme());
    if (store == null) {
      throw RecordingLocation.refused("no " + location.scheme() + " store configured for " + location);
    }
    return store.open(location);
  }

  @Override
  public void close() {
    byScheme.values().forEach(RecordingStore::close);
  }
}
