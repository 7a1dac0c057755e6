package io.pagedstream.sink;

import io.pagedstream.sink.CommitRecord.Publication;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of one topic partition, owned by one task while the partition is assigned to it: {@link
 * #recover} on assignment, {@link #append} for each record, {@link #commit} at each {@code
 * preCommit}. The protocol is described in the package documentation.
 *
 * <p>Not thread-safe: Connect calls a task from one thread.
 */
final class PartitionWriter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PartitionWriter.class);

  private final TopicPartition tp;
  private final OutputLayout layout;
  private final DurableFiles files;
  private final long fileMaxBytes;

  /** Pending lines since the last commit, by job folder, in first-seen order. */
  private final Map<String, Pending> pending = new LinkedHashMap<>();

  /** The data file sequence each job folder currently appends to, learned on first use. */
  private final Map<String, Integer> sequences = new HashMap<>();

  private long committedOffset;

  /** The highest offset appended or skipped as empty; records at or below it are duplicates. */
  private long lastOffset;

  private int pendingRecords;

  /** A job's pending file, open for appending. */
  private record Pending(Path path, OutputStream out) {}

  private PartitionWriter(
      TopicPartition tp,
      OutputLayout layout,
      DurableFiles files,
      long fileMaxBytes,
      long committedOffset) {
    this.tp = tp;
    this.layout = layout;
    this.files = files;
    this.fileMaxBytes = fileMaxBytes;
    this.committedOffset = committedOffset;
    this.lastOffset = committedOffset;
  }

  /**
   * Brings the partition's files to its last commit, whatever point a previous owner stopped at:
   * finishes the publications of the commit record, deletes uncommitted pending data.
   */
  static PartitionWriter recover(
      TopicPartition tp, OutputLayout layout, DurableFiles files, long fileMaxBytes)
      throws IOException {
    Path recordFile = layout.commitRecord(tp);
    // a commit record's temporary twin is a commit that never happened
    Files.deleteIfExists(recordFile.resolveSibling(recordFile.getFileName() + ".tmp"));
    CommitRecord record = CommitRecord.read(recordFile).orElse(null);
    int redone = 0;
    if (record != null) {
      for (Publication publication : record.publications()) {
        if (publish(layout, files, publication)) {
          redone++;
        }
      }
    }
    int discarded = deleteAll(layout.pendingDir(tp));
    long committed = record == null ? -1 : record.offset();
    if (redone > 0 || discarded > 0) {
      LOG.info(
          "{}: recovered to offset {}: finished {} publication(s), discarded {} uncommitted"
              + " pending file(s)",
          tp,
          committed,
          redone,
          discarded);
    }
    return new PartitionWriter(tp, layout, files, fileMaxBytes, committed);
  }

  /** The last offset in the files, -1 when none is. */
  long committedOffset() {
    return committedOffset;
  }

  /** Whether {@code offset} is already in the files or the pending data (a re-delivery). */
  boolean isDuplicate(long offset) {
    return offset <= lastOffset;
  }

  /** Adds a line to the pending data; {@code line} null marks an offset without a line. */
  void append(long offset, CompletionLine line) throws IOException {
    if (line != null) {
      Pending p = pending.get(line.jobDir());
      if (p == null) {
        Path path = layout.pendingFile(tp, offset, line.jobDir());
        files.createDirectories(path.getParent());
        p =
            new Pending(
                path,
                new BufferedOutputStream(
                    Files.newOutputStream(
                        path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    1 << 16));
        pending.put(line.jobDir(), p);
      }
      p.out().write((line.json() + "\n").getBytes(StandardCharsets.UTF_8));
      pendingRecords++;
    }
    lastOffset = offset;
  }

  int pendingRecords() {
    return pendingRecords;
  }

  /**
   * Makes everything appended so far part of the files, and returns the new committed offset. Does
   * nothing when nothing was appended since the last commit.
   */
  long commit() throws IOException {
    if (lastOffset == committedOffset) {
      return committedOffset;
    }
    List<Publication> publications = new ArrayList<>();
    for (Map.Entry<String, Pending> entry : pending.entrySet()) {
      Pending p = entry.getValue();
      p.out().close();
      files.force(p.path());
      Path target = target(entry.getKey());
      long length = Files.exists(target) ? Files.size(target) : 0;
      publications.add(new Publication(layout.relative(target), length, layout.relative(p.path())));
    }
    // The commit point: from here on recovery finishes these publications instead of
    // discarding them.
    CommitRecord record = new CommitRecord(lastOffset, publications);
    files.writeAtomically(layout.commitRecord(tp), record.toJson());
    pending.clear();
    pendingRecords = 0;
    committedOffset = lastOffset;
    for (Publication publication : publications) {
      publish(layout, files, publication);
    }
    return committedOffset;
  }

  /** The data file a job's next publication goes to, rolling over when the current one is full. */
  private Path target(String jobDir) throws IOException {
    Integer sequence = sequences.get(jobDir);
    if (sequence == null) {
      sequence = layout.lastSequence(jobDir, tp);
    }
    Path file = layout.dataFile(jobDir, tp, sequence);
    if (fileMaxBytes > 0 && Files.exists(file) && Files.size(file) >= fileMaxBytes) {
      sequence++;
      file = layout.dataFile(jobDir, tp, sequence);
    }
    sequences.put(jobDir, sequence);
    return file;
  }

  /**
   * Appends a pending file to its data file and deletes it; false when it is gone, which means this
   * publication was done before.
   */
  private static boolean publish(OutputLayout layout, DurableFiles files, Publication publication)
      throws IOException {
    Path source = layout.resolve(publication.pending());
    if (!Files.exists(source)) {
      return false;
    }
    files.truncateAndAppend(layout.resolve(publication.target()), publication.length(), source);
    // Only after the data is durable: a missing pending file means "published".
    Files.delete(source);
    return true;
  }

  private static int deleteAll(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    int count = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        Files.delete(entry);
        count++;
      }
    }
    return count;
  }

  /** Closes the pending files without committing them; the next owner's recovery discards them. */
  @Override
  public void close() {
    for (Pending p : pending.values()) {
      try {
        p.out().close();
      } catch (IOException e) {
        LOG.warn("{}: cannot close {}: {}", tp, p.path(), e.getMessage());
      }
    }
    pending.clear();
    pendingRecords = 0;
  }
}
