package io.pagedstream.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task's contract with the worker, driven the way WorkerSinkTask drives it. The context here
 * only records what the task asks of the worker; the end-to-end tests use a real worker.
 */
class CompletionSinkTaskTest {

  private static final TopicPartition TP = new TopicPartition("llm.completions", 0);

  @TempDir Path out;
  private final Context context = new Context();
  private CompletionSinkTask task;

  /** What a task may ask of its worker, written down. */
  private static final class Context implements SinkTaskContext {
    final Map<TopicPartition, Long> seeks = new HashMap<>();
    int commitRequests;

    @Override
    public Map<String, String> configs() {
      return Map.of();
    }

    @Override
    public void offset(Map<TopicPartition, Long> offsets) {
      seeks.putAll(offsets);
    }

    @Override
    public void offset(TopicPartition tp, long offset) {
      seeks.put(tp, offset);
    }

    @Override
    public void timeout(long timeoutMs) {}

    @Override
    public Set<TopicPartition> assignment() {
      return Set.of(TP);
    }

    @Override
    public void pause(TopicPartition... partitions) {}

    @Override
    public void resume(TopicPartition... partitions) {}

    @Override
    public void requestCommit() {
      commitRequests++;
    }

    @Override
    public ErrantRecordReporter errantRecordReporter() {
      return null; // no dead letter queue configured
    }

    @Override
    public org.apache.kafka.common.metrics.PluginMetrics pluginMetrics() {
      throw new UnsupportedOperationException("the sink registers no metrics");
    }
  }

  @BeforeEach
  void start() {
    task = startTask(Map.of("output.dir", out.toString(), "flush.max.records", "5"));
  }

  private CompletionSinkTask startTask(Map<String, String> props) {
    CompletionSinkTask t = new CompletionSinkTask();
    t.initialize(context);
    t.start(props);
    t.open(List.of(TP));
    return t;
  }

  private static SinkRecord record(long offset) {
    Map<String, Object> value = new HashMap<>();
    value.put("id", "r" + offset);
    value.put("job_id", "j");
    value.put("finish_reason", "stop");
    return new SinkRecord(TP.topic(), TP.partition(), null, "r" + offset, null, value, offset);
  }

  private static List<SinkRecord> records(long from, long to) {
    List<SinkRecord> list = new ArrayList<>();
    for (long o = from; o < to; o++) {
      list.add(record(o));
    }
    return list;
  }

  private List<String> ids() throws IOException {
    return new OutputFiles(out).lines().stream().map(OutputFiles.Line::id).toList();
  }

  @Test
  void startsAtTheBeginningOfANewDirectoryAndAfterTheCommitOfAnOldOne() {
    assertThat(context.seeks).containsEntry(TP, 0L);
    task.put(records(0, 3));
    assertThat(task.preCommit(Map.of())).containsEntry(TP, new OffsetAndMetadata(3));
    task.stop();

    startTask(Map.of("output.dir", out.toString()));
    assertThat(context.seeks).containsEntry(TP, 3L);
  }

  @Test
  void recordsTheConsumerSendsAgainAreWrittenOnce() throws IOException {
    task.put(records(0, 4));
    task.preCommit(Map.of());
    task.put(records(2, 7)); // the consumer went back further than needed
    task.preCommit(Map.of());
    assertThat(ids()).containsExactly("r0", "r1", "r2", "r3", "r4", "r5", "r6");
  }

  @Test
  void asksForAnEarlyCommitAtFlushMaxRecords() {
    task.put(records(0, 4));
    assertThat(context.commitRequests).isZero();
    task.put(records(4, 5));
    assertThat(context.commitRequests).isOne();
  }

  @Test
  void aFailedCommitGoesBackToTheLastOneAndTheRecordsComeAgain() throws IOException {
    task.put(records(0, 2));
    task.preCommit(Map.of());
    task.put(records(2, 4));
    try (Stream<Path> pending = Files.walk(out.resolve(".pagedstream/pending"))) {
      for (Path p : pending.filter(Files::isRegularFile).toList()) {
        Files.delete(p); // the disk loses the pending data
      }
    }

    assertThat(task.preCommit(Map.of())).containsEntry(TP, new OffsetAndMetadata(2));
    assertThat(context.seeks).containsEntry(TP, 2L);
    task.put(records(2, 4)); // what the worker re-delivers after the seek
    task.preCommit(Map.of());
    assertThat(ids()).containsExactly("r0", "r1", "r2", "r3");
  }

  @Test
  void aValueThatIsNoCompletionFailsWithItsPlace() {
    SinkRecord bad = new SinkRecord(TP.topic(), TP.partition(), null, "k", null, "text", 9);
    assertThatThrownBy(() -> task.put(List.of(bad)))
        .isInstanceOf(DataException.class)
        .hasMessageStartingWith("Completion at llm.completions-0@9: ");
  }
}
