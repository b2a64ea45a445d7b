package dev.whodrove.ingest.gcp;

import dev.whodrove.schemas.v1.SourcePosition;

/** The {@link SourcePosition}s this service writes. */
final class SourcePositions {
  static final String PUBSUB_PULL = "pubsub-pull";
  static final String PUBSUB_PUSH = "pubsub-push";
  static final String HTTP = "http";
  static final String JSONL = "jsonl";

  private SourcePositions() {}

  static SourcePosition of(String source, String locator, long offset) {
    return SourcePosition.newBuilder().setSource(source).setLocator(locator).setOffset(offset).build();
  }
}
