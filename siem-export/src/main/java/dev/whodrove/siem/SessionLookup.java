package dev.whodrove.siem;

import dev.whodrove.schemas.v1.MergedVerdict;
import java.util.Optional;

/** Where a session's merged view lives and how to read it here: what {@link SessionQueryServer} needs. */
interface SessionLookup {
  /** Where a session's view is kept. */
  sealed interface Location permits Local, Remote, Unavailable {}

  /** On this instance. */
  record Local() implements Location {}

  /** On another instance of the application, reached at {@code host:port}. */
  record Remote(String host, int port) implements Location {}

  /** Not known now (no instance has the partition: starting, rebalancing), with why. */
  record Unavailable(String reason) implements Location {}

  /** Where {@code sessionId}'s view is (whether it exists or not). */
  Location locate(String sessionId);

  /**
   * The view from this instance's store.
   *
   * @throws IllegalStateException when the store cannot be read now (migrating, restoring); the message says why
   */
  Optional<MergedVerdict> local(String sessionId);

  /** {@code host:port} of this instance, as the others reach it. */
  String self();
}
