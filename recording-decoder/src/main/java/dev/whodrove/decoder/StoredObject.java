package dev.whodrove.decoder;

import java.io.IOException;
import java.io.InputStream;

/**
 * An opened recording object: a stream over its bytes (never buffered whole), its size when the store reports
 * one, and a version (S3 version id or ETag, file modification time).
 */
public record StoredObject(InputStream stream, long size, String version) implements AutoCloseable {
  @Override
  public void close() throws IOException {
    stream.close();
  }
}
