package io.pagedstream.chaos;

import io.pagedstream.schemas.Completions;
import io.pagedstream.schemas.KafkaClientSettings;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.serde.AvroDeserializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what came out of the pipeline, from the start and with {@code read_committed}: the
 * completions topic into one ledger (by request id), the dead-letter topic into another (by the
 * chaos tag header, else the key) and the sink's dead-letter topic into a third (by key).
 * Partitions are assigned, not subscribed, so no consumer group and no rebalance is involved: a
 * broker restart only pauses it.
 */
final class AnswerReader implements AutoCloseable {

  private static final Duration POLL = Duration.ofMillis(200);

  final AnswerLedger completions = new AnswerLedger();
  final AnswerLedger deadLetters = new AnswerLedger();
  final AnswerLedger sinkDeadLetters = new AnswerLedger();
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final AvroDeserializer<Completion> reader = new AvroDeserializer<>(Completion.class);
  private final List<TopicPartition> partitions = new ArrayList<>();

  AnswerReader(KafkaSettings kafka) {
    reader.configure(kafka.asMap(), false);
    Map<String, Object> props = KafkaClientSettings.assignedConsumer(kafka, "chaos-reader").build();
    consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    for (String topic :
        List.of(Topics.COMPLETIONS, Topics.DEAD_LETTER, ChaosCluster.SINK_DEAD_LETTER)) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofMinutes(1));
      for (PartitionInfo p : infos == null ? List.<PartitionInfo>of() : infos) {
        partitions.add(new TopicPartition(topic, p.partition()));
      }
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  /** Reads what is there now (one poll). */
  void poll() {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
      switch (r.topic()) {
        case Topics.COMPLETIONS -> addCompletion(r);
        case Topics.DEAD_LETTER ->
            deadLetters.add(
                tagOrKey(r), new AnswerLedger.Answer(true, header(r, Topics.HEADER_ERROR)));
        default ->
            sinkDeadLetters.add(
                tagOrKey(r),
                new AnswerLedger.Answer(true, header(r, "__connect.errors.exception.message")));
      }
    }
  }

  /**
   * Reads until it has everything committed up to now (the end offsets at the time of the call),
   * retrying through a broker outage until {@code timeout}; false if it could not get there.
   */
  boolean readToEnd(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<TopicPartition, Long> end = null;
    while (System.nanoTime() < deadline) {
      try {
        if (end == null) {
          end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        }
        boolean caughtUp = true;
        for (TopicPartition tp : partitions) {
          caughtUp &= consumer.position(tp, Duration.ofSeconds(30)) >= end.get(tp);
        }
        if (caughtUp) {
          return true;
        }
        poll();
      } catch (KafkaException e) {
        // a timeout while the broker is away: try again
      }
    }
    return false;
  }

  private void addCompletion(ConsumerRecord<byte[], byte[]> r) {
    Completion c;
    try {
      c = r.value() == null ? null : reader.deserialize(r.topic(), r.value());
    } catch (KafkaException e) {
      c = null; // the corpus's not-a-completion: the sink dead-letters it
    }
    if (c == null) {
      completions.addUnreadable();
      return;
    }
    boolean error = Completions.isError(c);
    completions.add(c.getId(), new AnswerLedger.Answer(error, error ? c.getError() : null));
  }

  /** The chaos tag the record carried (batcher dead letters keep headers), else its key. */
  private static String tagOrKey(ConsumerRecord<byte[], byte[]> r) {
    String tag = header(r, BadRecords.TAG_HEADER);
    if (tag != null) {
      return tag;
    }
    return r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
