package io.pagedstream.sink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.sink.CommitRecord.Publication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit protocol on real files. Crashes are reproduced as the exact file states a process
 * death at each point leaves behind, then recovered.
 */
class PartitionWriterTest {

  private static final TopicPartition TP = new TopicPartition("llm.completions", 2);

  @TempDir Path root;

  private OutputLayout layout() {
    return new OutputLayout(root);
  }

  private PartitionWriter recover() throws IOException {
    return recover(0);
  }

  private PartitionWriter recover(long fileMaxBytes) throws IOException {
    return PartitionWriter.recover(TP, layout(), new DurableFiles(true), fileMaxBytes);
  }

  private static CompletionLine line(String job, String id) {
    return new CompletionLine(job, "{\"id\":\"" + id + "\"}");
  }

  private Path data(String job) {
    return layout().dataFile(job, TP, 0);
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, UTF_8);
  }

  private List<Path> pendingFiles() throws IOException {
    Path dir = layout().pendingDir(TP);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.toList();
    }
  }

  @Test
  void aCommitPublishesEachJobsLinesAndRecordsTheOffset() throws IOException {
    PartitionWriter writer = recover();
    assertThat(writer.committedOffset()).isEqualTo(-1);
    writer.append(10, line("a", "1"));
    writer.append(11, line("b", "2"));
    writer.append(12, null); // a tombstone still counts as consumed
    writer.append(13, line("a", "3"));
    assertThat(Files.exists(data("a"))).as("nothing visible before the commit").isFalse();

    assertThat(writer.commit()).isEqualTo(13);

    assertThat(read(data("a"))).isEqualTo("{\"id\":\"1\"}\n{\"id\":\"3\"}\n");
    assertThat(read(data("b"))).isEqualTo("{\"id\":\"2\"}\n");
    assertThat(pendingFiles()).isEmpty();
    assertThat(CommitRecord.read(layout().commitRecord(TP)).orElseThrow().offset()).isEqualTo(13);
    assertThat(root.resolve("a/part-llm.completions-2.jsonl")).exists();
  }

  @Test
  void reDeliveriesAreSkipped() throws IOException {
    PartitionWriter writer = recover();
    writer.append(5, line("a", "5"));
    writer.commit();
    assertThat(writer.isDuplicate(5)).isTrue();
    assertThat(writer.isDuplicate(6)).isFalse();
    writer.append(6, line("a", "6"));
    assertThat(writer.isDuplicate(6)).as("pending counts too").isTrue();

    PartitionWriter after = recover();
    assertThat(after.isDuplicate(5)).isTrue();
    assertThat(after.isDuplicate(6)).as("6 was never committed").isFalse();
  }

  @Test
  void crashBeforeTheCommitDiscardsPendingData() throws IOException {
    PartitionWriter writer = recover();
    writer.append(0, line("a", "0"));
    writer.commit();
    writer.append(1, line("a", "1"));
    writer.append(2, line("b", "2"));
    writer.close(); // the process dies: pending files stay on disk, uncommitted
    assertThat(pendingFiles()).hasSize(2);

    PartitionWriter recovered = recover();

    assertThat(recovered.committedOffset()).isZero();
    assertThat(pendingFiles()).isEmpty();
    assertThat(read(data("a"))).isEqualTo("{\"id\":\"0\"}\n");
    assertThat(data("b")).doesNotExist();
    // the same records arrive again and are written once
    recovered.append(1, line("a", "1"));
    recovered.append(2, line("b", "2"));
    recovered.commit();
    assertThat(read(data("a"))).isEqualTo("{\"id\":\"0\"}\n{\"id\":\"1\"}\n");
    assertThat(read(data("b"))).isEqualTo("{\"id\":\"2\"}\n");
  }

  @Test
  void crashWhileWritingTheCommitRecordKeepsTheOldOne() throws IOException {
    PartitionWriter writer = recover();
    writer.append(0, line("a", "0"));
    writer.commit();
    writer.append(1, line("a", "1"));
    writer.close();
    // a torn temporary record: the rename never happened
    Path record = layout().commitRecord(TP);
    Files.writeString(record.resolveSibling(record.getFileName() + ".tmp"), "{\"offset\":1,\"pub");

    PartitionWriter recovered = recover();

    assertThat(recovered.committedOffset()).isZero();
    assertThat(record.resolveSibling(record.getFileName() + ".tmp")).doesNotExist();
    assertThat(read(data("a"))).isEqualTo("{\"id\":\"0\"}\n");
  }

  /** The state right after the commit record's rename: pending files durable, nothing published. */
  private void committedButUnpublished(String pendingContent, long targetLength)
      throws IOException {
    Path pending = layout().pendingFile(TP, 7, "a");
    Files.createDirectories(pending.getParent());
    Files.writeString(pending, pendingContent);
    CommitRecord record =
        new CommitRecord(
            8,
            List.of(
                new Publication(
                    layout().relative(data("a")), targetLength, layout().relative(pending))));
    new DurableFiles(true).writeAtomically(layout().commitRecord(TP), record.toJson());
  }

  @Test
  void crashAfterTheCommitPointFinishesThePublication() throws IOException {
    Files.createDirectories(data("a").getParent());
    Files.writeString(data("a"), "{\"id\":\"old\"}\n");
    committedButUnpublished("{\"id\":\"7\"}\n{\"id\":\"8\"}\n", 13);

    PartitionWriter recovered = recover();

    assertThat(recovered.committedOffset()).isEqualTo(8);
    assertThat(read(data("a"))).isEqualTo("{\"id\":\"old\"}\n{\"id\":\"7\"}\n{\"id\":\"8\"}\n");
    assertThat(pendingFiles()).isEmpty();
  }

  @Test
  void crashHalfwayThroughPublishingRedoesItWithoutDuplicates() throws IOException {
    Files.createDirectories(data("a").getParent());
    // committed content, then half of the publication, torn mid-line
    Files.writeString(data("a"), "{\"id\":\"old\"}\n{\"id\":\"7\"}\n{\"i");
    committedButUnpublished("{\"id\":\"7\"}\n{\"id\":\"8\"}\n", 13);

    recover();

    assertThat(read(data("a"))).isEqualTo("{\"id\":\"old\"}\n{\"id\":\"7\"}\n{\"id\":\"8\"}\n");
  }

  @Test
  void crashAfterPublishingBeforeDeletingThePendingFileAppendsNothingTwice() throws IOException {
    Files.createDirectories(data("a").getParent());
    Files.writeString(data("a"), "{\"id\":\"old\"}\n{\"id\":\"7\"}\n{\"id\":\"8\"}\n");
    committedButUnpublished("{\"id\":\"7\"}\n{\"id\":\"8\"}\n", 13);

    recover();
    recover(); // and recovering twice changes nothing

    assertThat(read(data("a"))).isEqualTo("{\"id\":\"old\"}\n{\"id\":\"7\"}\n{\"id\":\"8\"}\n");
  }

  @Test
  void anOldRecordsPublicationsAreNotRedoneOnceTheirPendingFilesAreGone() throws IOException {
    PartitionWriter writer = recover();
    writer.append(0, line("a", "0"));
    writer.commit(); // the record lists a publication whose pending file is now deleted
    writer.append(1, line("a", "1"));
    writer.close();

    recover();

    assertThat(read(data("a"))).isEqualTo("{\"id\":\"0\"}\n");
  }

  @Test
  void aDataFileShorterThanItsRecordIsReportedNotPadded() throws IOException {
    committedButUnpublished("{\"id\":\"7\"}\n", 100);
    assertThatThrownBy(this::recover)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("fewer than the 100 its commit record says");
  }

  @Test
  void rollsOverToNumberedFilesAndContinuesTheLastOneAfterARestart() throws IOException {
    PartitionWriter writer = recover(20); // two 10-byte lines per file
    for (int i = 0; i < 3; i++) {
      writer.append(2 * i, line("a", "x" + i));
      writer.append(2 * i + 1, line("a", "y" + i));
      writer.commit();
    }
    writer = recover(20);
    writer.append(6, line("a", "z"));
    writer.commit();

    assertThat(read(layout().dataFile("a", TP, 0))).isEqualTo("{\"id\":\"x0\"}\n{\"id\":\"y0\"}\n");
    assertThat(read(layout().dataFile("a", TP, 1))).isEqualTo("{\"id\":\"x1\"}\n{\"id\":\"y1\"}\n");
    assertThat(read(layout().dataFile("a", TP, 2))).isEqualTo("{\"id\":\"x2\"}\n{\"id\":\"y2\"}\n");
    assertThat(read(layout().dataFile("a", TP, 3))).isEqualTo("{\"id\":\"z\"}\n");
    assertThat(layout().dataFile("a", TP, 1).getFileName().toString())
        .isEqualTo("part-llm.completions-2.1.jsonl");
  }

  @Test
  void otherPartitionsFilesAreLeftAlone() throws IOException {
    TopicPartition other = new TopicPartition("llm.completions", 3);
    PartitionWriter mine = recover();
    PartitionWriter theirs = PartitionWriter.recover(other, layout(), new DurableFiles(true), 0);
    mine.append(0, line("a", "mine"));
    theirs.append(0, line("a", "theirs"));
    theirs.commit();
    mine.close();

    recover(); // discards only this partition's pending data

    assertThat(read(layout().dataFile("a", other, 0))).isEqualTo("{\"id\":\"theirs\"}\n");
    assertThat(data("a")).doesNotExist();
  }
}
