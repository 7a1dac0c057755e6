package io.pagedstream.kafka.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * The broker's storage directory: either one the user gave (kept) or a temporary one (deleted on
 * close).
 */
final class DataDirectory {

  private final Path path;
  private final boolean temporary;

  private DataDirectory(Path path, boolean temporary) {
    this.path = path;
    this.temporary = temporary;
  }

  static DataDirectory resolve(Optional<Path> given) {
    if (given.isPresent()) {
      return new DataDirectory(given.get().toAbsolutePath().normalize(), false);
    }
    try {
      return new DataDirectory(Files.createTempDirectory("pagedstream-kafka-"), true);
    } catch (IOException e) {
      throw new EmbeddedKafkaException("Cannot create a temporary Kafka data directory: " + e, e);
    }
  }

  Path path() {
    return path;
  }

  /**
   * Creates the directory and proves it is writable, so Kafka does not fail later with a less
   * direct error.
   */
  void prepare() {
    try {
      Files.createDirectories(path);
    } catch (IOException e) {
      throw new EmbeddedKafkaException(
          "Kafka data directory " + path + " cannot be created: " + e, e);
    }
    try {
      Files.delete(Files.createTempFile(path, ".write-check", ".tmp"));
    } catch (IOException e) {
      throw new EmbeddedKafkaException(
          "Kafka data directory " + path + " is not writable: " + e, e);
    }
  }

  /** Deletes the directory if this class created it; a directory the user gave is always kept. */
  void deleteIfTemporary() {
    if (temporary) {
      deleteRecursively(path);
    }
  }

  private static void deleteRecursively(Path root) {
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure)
                throws IOException {
              Files.deleteIfExists(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (NoSuchFileException alreadyGone) {
      // nothing left to delete
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete Kafka data directory " + root + ": " + e, e);
    }
  }
}
