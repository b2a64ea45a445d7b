package dev.whodrove.decoder;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads recordings from local directories (a Teleport {@code records/} dir, a mounted volume). Only files under
 * the configured roots are read, checked both on the path as written and after resolving symlinks, so a link
 * inside a root pointing elsewhere is refused.
 */
public final class FileRecordingStore implements RecordingStore {
  private final List<Path> roots = new ArrayList<>();

  public FileRecordingStore(List<Path> allowedRoots) {
    for (Path root : allowedRoots) {
      Path abs = root.toAbsolutePath().normalize();
      try {
        abs = abs.toRealPath();
      } catch (IOException e) {
        // a root that does not exist yet is kept as written; nothing under it can be opened until it exists
      }
      roots.add(abs);
    }
  }

  @Override
  public String scheme() {
    return "file";
  }

  @Override
  public StoredObject open(RecordingLocation location) throws StoreException {
    if (roots.isEmpty()) {
      throw RecordingLocation.refused("file recordings are disabled (no file roots configured): " + location);
    }
    Path path = Path.of(location.path()).normalize();
    if (!underRoot(path)) {
      throw RecordingLocation.refused("file " + location.path() + " is outside the allowed roots");
    }
    try {
      Path real = path.toRealPath();
      if (!underRoot(real)) {
        throw RecordingLocation.refused("file " + location.path() + " resolves (through a symlink) outside the"
            + " allowed roots");
      }
      if (!Files.isRegularFile(real)) {
        throw StoreException.permanent("not-found", "not a regular file: " + location.path());
      }
      long size = Files.size(real);
      String version = Long.toString(Files.getLastModifiedTime(real).toMillis());
      return new StoredObject(Files.newInputStream(real), size, version);
    } catch (NoSuchFileException e) {
      throw StoreException.permanent("not-found", "recording not found: " + location.path(), e);
    } catch (AccessDeniedException e) {
      throw StoreException.accessDenied("access denied: " + location.path(), e);
    } catch (IOException e) {
      throw StoreException.transientFailure("cannot read " + location.path() + ": " + e.getMessage(), e);
    }
  }

  private boolean underRoot(Path p) {
    for (Path root : roots) {
      if (p.startsWith(root)) {
        return true;
      }
    }
    return false;
  }
}
