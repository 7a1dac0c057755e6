package io.pagedstream.app.run;

import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.kafka.embedded.EmbeddedKafkaBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The directory a single-machine job keeps across processes: the embedded broker's log (and with it
 * the durable schema topic, the requests, completions and every offset) under {@code kafka/}, a
 * format marker, and a lock held while a process uses it.
 *
 * <pre>
 *   DIR/pagedstream-data.properties   format version, the pagedstream that created it
 *   DIR/.lock                         locked (OS file lock) while a process uses DIR
 *   DIR/broker.address                the running broker's address, for status (stale once the lock is free)
 *   DIR/kafka/                        the broker's log dirs and KRaft metadata
 *   DIR/streams/                      Kafka Streams state (batcher, jobs), a cache of the changelogs
 * </pre>
 *
 * Nothing here ever deletes data: a directory that is not ours, is of another format, or is in use
 * is refused with a one-line reason. The OS releases the lock when the process dies, however it
 * dies, so a {@code kill -9} leaves no stale lock behind.
 */
public final class DataDir implements AutoCloseable {

  /** Bumped when a new version can no longer read what an older one wrote. */
  public static final int FORMAT = 1;

  static final String MARKER = "pagedstream-data.properties";
  static final String LOCK = ".lock";
  static final String BROKER_ADDRESS = "broker.address";

  private final Path path;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private DataDir(Path path, FileChannel lockChannel, FileLock lock) {
    this.path = path;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Opens {@code dir} for this process, creating it (and its marker) when new or empty.
   *
   * @throws DataDirException if it is not a pagedstream data directory, is of another format, or
   *     another process holds it
   */
  public static DataDir open(Path dir, String creator) {
    Path path = dir.toAbsolutePath().normalize();
    try {
      Files.createDirectories(path);
    } catch (IOException e) {
      throw new DataDirException(
          "data directory "
              + path
              + " cannot be created ("
              + e.getMessage()
              + "); give another --data-dir, or --ephemeral for a run that keeps nothing");
    }
    Path marker = path.resolve(MARKER);
    if (!Files.exists(marker) && !isEmpty(path)) {
      // e.g. a typo naming a folder of other data: using it would mix a broker log into it
      throw new DataDirException(
          path
              + " is not a pagedstream data directory (no "
              + MARKER
              + ") and is not empty; give a new or empty directory with --data-dir");
    }
    FileChannel channel = null;
    try {
      channel =
          FileChannel.open(path.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new DataDirException(
            "data directory "
                + path
                + " is in use by another running pagedstream process"
                + " (it holds "
                + path.resolve(LOCK)
                + "); wait for it to end or give another --data-dir",
            true);
      }
      DataDir d = new DataDir(path, channel, lock);
      channel = null;
      try {
        d.checkOrWriteMarker(marker, creator);
      } catch (RuntimeException e) {
        d.close();
        throw e;
      }
      return d;
    } catch (IOException e) {
      throw new DataDirException("data directory " + path + " cannot be locked: " + e.getMessage());
    } finally {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // nothing was locked
        }
      }
    }
  }

  private void checkOrWriteMarker(Path marker, String creator) throws IOException {
    if (Files.exists(marker)) {
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(marker)) {
        p.load(in);
      }
      String format = p.getProperty("format");
      if (!Integer.toString(FORMAT).equals(format)) {
        throw new DataDirException(
            "data directory "
                + path
                + " has format "
                + format
                + " (written by "
                + p.getProperty("created.by", "an unknown version")
                + "); this pagedstream reads format "
                + FORMAT
                + ": use the version that wrote it, or another --data-dir");
      }
      return;
    }
    Properties p = new Properties();
    p.setProperty("format", Integer.toString(FORMAT));
    p.setProperty("created.by", creator);
    Path tmp = path.resolve(MARKER + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      p.store(out, "pagedstream data directory: the embedded broker's log of single-machine jobs");
    }
    Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE);
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      // a lock file alone is what a process leaves that died before writing the marker
      return entries.allMatch(e -> e.getFileName().toString().equals(LOCK));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  public Path path() {
    return path;
  }

  /** Whether {@code dir} holds a pagedstream data directory (without opening it). */
  public static boolean exists(Path dir) {
    return Files.isRegularFile(dir.resolve(MARKER));
  }

  /** Where the broker of the process holding {@code dir} listens, as it wrote it. */
  public static java.util.Optional<String> brokerAddress(Path dir) {
    try {
      return java.util.Optional.of(Files.readString(dir.resolve(BROKER_ADDRESS)).strip())
          .filter(s -> !s.isEmpty());
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
  }

  /** Records where this process's broker listens, so {@code status} can ask it while it runs. */
  public void recordBrokerAddress(String bootstrapServers) {
    try {
      Files.writeString(path.resolve(BROKER_ADDRESS), bootstrapServers + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write " + path.resolve(BROKER_ADDRESS) + ": " + e.getMessage(), e);
    }
  }

  /**
   * A broker on this directory. After a crash the controller refuses the restarted broker's
   * registration until the dead incarnation's session times out (9 s by default); the node talks to
   * its own controller in the same process, so a short session costs nothing.
   */
  public EmbeddedKafkaBuilder broker() {
    return EmbeddedKafka.builder()
        .dataDir(kafkaDir())
        .brokerProperty("broker.session.timeout.ms", "4000")
        .brokerProperty("broker.heartbeat.interval.ms", "1000");
  }

  /** Where the Kafka Streams services keep their local state and process ids. */
  public Path streamsDir() {
    return path.resolve("streams");
  }

  /** Where the embedded broker keeps its log and metadata. */
  public Path kafkaDir() {
    return path.resolve("kafka");
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(path.resolve(BROKER_ADDRESS));
      if (lock.isValid()) {
        lock.release();
      }
      lockChannel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot release the lock of " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
