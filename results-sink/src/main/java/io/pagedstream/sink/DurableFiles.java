package io.pagedstream.sink;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The few file operations the commit protocol is built from, each durable when {@code fsync} is on:
 * a file's data, and the directory entries that name it, reach the disk before the call returns.
 * Without fsync they are still atomic and ordered for other processes, which is what a crash of the
 * worker (not of the machine) needs.
 */
final class DurableFiles {

  private final boolean fsync;

  DurableFiles(boolean fsync) {
    this.fsync = fsync;
  }

  /** Replaces {@code target} with {@code content} in one step: a reader sees the old or the new. */
  void writeAtomically(Path target, byte[] content) throws IOException {
    createDirectories(target.getParent());
    Path temp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel channel =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      writeFully(channel, java.nio.ByteBuffer.wrap(content));
      force(channel);
    }
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(
          "The file system of "
              + target
              + " cannot rename atomically, which"
              + " exactly-once output needs",
          e);
    }
    forceDirectory(target.getParent());
  }

  /**
   * Makes {@code target} hold its first {@code length} bytes followed by all of {@code source}.
   * Repeating it after a crash part-way gives the same result, which is what lets recovery redo a
   * publication without knowing how far it got.
   */
  void truncateAndAppend(Path target, long length, Path source) throws IOException {
    boolean created = !Files.exists(target);
    if (created) {
      createDirectories(target.getParent());
    }
    try (FileChannel out =
            FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
      if (out.size() < length) {
        throw new IOException(
            target
                + " holds "
                + out.size()
                + " bytes, fewer than the "
                + length
                + " its commit record says were committed: the output was changed outside"
                + " the connector");
      }
      out.truncate(length);
      long size = in.size();
      long done = 0;
      while (done < size) {
        done += in.transferTo(done, size - done, out.position(length + done));
      }
      force(out);
    }
    if (created) {
      forceDirectory(target.getParent());
    }
  }

  /** Flushes a file written through other means (the pending files) to disk. */
  void force(Path file) throws IOException {
    if (fsync) {
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
    }
  }

  /**
   * Creates the missing folders of {@code dir} and makes their entries durable, so that a file made
   * durable inside them cannot vanish with its folder on a machine crash.
   */
  void createDirectories(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Path parent = dir.getParent();
    if (parent != null) {
      createDirectories(parent);
    }
    try {
      Files.createDirectory(dir);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      return; // another task made it meanwhile
    }
    if (parent != null) {
      forceDirectory(parent);
    }
  }

  void forceDirectory(Path dir) throws IOException {
    if (fsync) {
      try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
        channel.force(true);
      }
    }
  }

  private void force(FileChannel channel) throws IOException {
    if (fsync) {
      channel.force(true);
    }
  }

  private static void writeFully(FileChannel channel, java.nio.ByteBuffer buffer)
      throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }
}
