package io.pagedstream.sink;

import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes completions to per-job JSONL files, exactly once (see the package documentation): lines go
 * to pending files in {@link #put}, become part of the data files in {@link #preCommit}, and {@link
 * #open} rewinds the consumer to just after what the files already hold.
 */
public final class CompletionSinkTask extends SinkTask {

  private static final Logger LOG = LoggerFactory.getLogger(CompletionSinkTask.class);

  private OutputLayout layout;
  private DurableFiles files;
  private LineFormatter formatter;
  private long fileMaxBytes;
  private int flushMaxRecords;
  private ErrantRecordReporter errantRecords;
  private final Map<TopicPartition, PartitionWriter> writers = new HashMap<>();

  /** A failure that left the files unknown; fails the task at the next put. */
  private ConnectException broken;

  private final SinkMetrics metrics = SinkMetrics.global();

  @Override
  public String version() {
    return CompletionSinkConnector.VERSION;
  }

  @Override
  public void start(Map<String, String> props) {
    CompletionSinkConfig config = new CompletionSinkConfig(props);
    layout = new OutputLayout(config.outputDir().toAbsolutePath());
    files = new DurableFiles(config.fsync());
    formatter =
        new LineFormatter(
            config.jobIdField(), new JobDirectories(config.defaultJob()), config.extraFields());
    fileMaxBytes = config.fileMaxBytes();
    flushMaxRecords = config.flushMaxRecords();
    errantRecords = context.errantRecordReporter();
    LOG.info("Writing completions to {}", layout.root());
  }

  @Override
  public void open(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      recover(tp);
    }
  }

  /** Brings a partition's files to its last commit and resumes the consumer right after it. */
  private void recover(TopicPartition tp) {
    PartitionWriter old = writers.remove(tp);
    if (old != null) {
      old.close();
    }
    PartitionWriter writer;
    try {
      writer = PartitionWriter.recover(tp, layout, files, fileMaxBytes);
    } catch (IOException | RuntimeException e) {
      throw new ConnectException(
          "Cannot recover the files of " + tp + " in " + layout.root() + ": " + e.getMessage(), e);
    }
    writers.put(tp, writer);
    // Offset 0 when nothing was committed: a fresh output directory starts from the earliest
    // record still in the topic (an out-of-range 0 falls back to auto.offset.reset=earliest).
    context.offset(tp, writer.committedOffset() + 1);
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    if (broken != null) {
      throw broken;
    }
    for (SinkRecord record : records) {
      TopicPartition tp =
          new TopicPartition(record.originalTopic(), record.originalKafkaPartition());
      PartitionWriter writer = writers.get(tp);
      if (writer == null) {
        throw new ConnectException("Record from " + tp + ", which this task was not assigned");
      }
      long offset = record.originalKafkaOffset();
      if (writer.isDuplicate(offset)) {
        continue; // already in the files: the consumer went back further than they need
      }
      CompletionLine line = format(record);
      try {
        writer.append(offset, line);
      } catch (IOException e) {
        throw fail("Cannot write pending data of " + tp + ": " + e.getMessage(), e);
      }
    }
    int pending = writers.values().stream().mapToInt(PartitionWriter::pendingRecords).sum();
    if (pending >= flushMaxRecords) {
      context.requestCommit();
    }
  }

  /** The record's line, or null for a tombstone or a record sent to the error reporter. */
  private CompletionLine format(SinkRecord record) {
    if (record.value() == null) {
      return null;
    }
    try {
      return formatter.format(record.value());
    } catch (DataException e) {
      if (errantRecords == null) {
        throw new DataException(
            "Completion at "
                + record.originalTopic()
                + "-"
                + record.originalKafkaPartition()
                + "@"
                + record.originalKafkaOffset()
                + ": "
                + e.getMessage(),
            e);
      }
      // There is a reporter only with a dead letter queue or errors.log.enable, and with
      // errors.tolerance=none it fails the task, so this skips a record only when asked to.
      errantRecords.report(record, e);
      metrics.errant();
      return null;
    }
  }

  @Override
  public Map<TopicPartition, OffsetAndMetadata> preCommit(
      Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
    // a copy: a failed commit replaces its partition's writer
    for (TopicPartition tp : List.copyOf(writers.keySet())) {
      long offset;
      int pending = writers.get(tp).pendingRecords();
      try {
        offset = writers.get(tp).commit();
        metrics.committed(pending);
      } catch (IOException | RuntimeException e) {
        metrics.commitFailed();
        LOG.error("{}: commit failed, going back to the last commit: {}", tp, e.getMessage());
        try {
          recover(tp);
        } catch (ConnectException again) {
          throw fail(again.getMessage(), again);
        }
        offset = writers.get(tp).committedOffset();
      }
      if (offset >= 0) {
        committed.put(tp, new OffsetAndMetadata(offset + 1));
      }
    }
    // Only offsets whose records are in the files: the consumer group never runs ahead of them.
    return committed;
  }

  @Override
  public void close(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      PartitionWriter writer = writers.remove(tp);
      if (writer != null) {
        writer.close();
      }
    }
  }

  @Override
  public void stop() {
    // No commit here: Connect commits through preCommit before stopping, and after a failure
    // the uncommitted data must not become part of the files.
    writers.values().forEach(PartitionWriter::close);
    writers.clear();
  }

  private ConnectException fail(String message, Exception cause) {
    broken = new ConnectException(message, cause);
    return broken;
  }
}
