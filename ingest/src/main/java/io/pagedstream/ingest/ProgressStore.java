package io.pagedstream.ingest;

import io.pagedstream.core.OneLine;
import io.pagedstream.schemas.KafkaClientSettings;
import io.pagedstream.schemas.KafkaSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads and writes {@link IngestProgress} records on the progress topic. */
final class ProgressStore {

  private static final Logger LOG = LoggerFactory.getLogger(ProgressStore.class);

  private final KafkaSettings kafka;
  private final String topic;

  ProgressStore(KafkaSettings kafka, String topic) {
    this.kafka = kafka;
    this.topic = topic;
  }

  /**
   * The last committed progress of {@code transactionalId}. Call it after {@code
   * initTransactions()}, which resolves that id's own open transaction.
   *
   * <p>It reads read_committed up to the high watermark taken now, not merely to the last stable
   * offset: another ingest's open transaction holds the last stable offset back, and stopping there
   * could miss this id's newest committed record and resume from an older one, sending lines twice.
   * So this waits until every transaction open now has ended (at most {@code timeout}, which should
   * exceed the transaction timeout).
   */
  Optional<IngestProgress> load(String transactionalId, Duration timeout) {
    Map<TopicPartition, Long> ends = highWatermarks();
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    IngestProgress last = null;
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            KafkaClientSettings.assignedConsumer(kafka, "pagedstream-ingest-progress").build(),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.assign(ends.keySet());
      consumer.seekToBeginning(ends.keySet());
      boolean waitLogged = false;
      while (!reached(consumer, ends)) {
        if (System.nanoTime() > deadline) {
          throw new IngestException(
              "cannot read the progress of "
                  + transactionalId
                  + " from "
                  + topic
                  + " within "
                  + timeout.toSeconds()
                  + " s: a transaction on it stays open");
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (transactionalId.equals(r.key())) {
            last = r.value() == null ? null : IngestProgress.fromJson(r.key(), r.value());
          }
        }
        if (!waitLogged && System.nanoTime() - start > 10_000_000_000L) {
          LOG.info(
              "Waiting for open transactions on {} to end before reading the progress of {}",
              topic,
              transactionalId);
          waitLogged = true;
        }
      }
    }
    return Optional.ofNullable(last);
  }

  /** Adds {@code progress} to the writer's open transaction. */
  void write(RecordWriter writer, IngestProgress progress) {
    writer.send(topic, progress.transactionalId(), progress.toJson());
  }

  private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> ends) {
    for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
      if (consumer.position(e.getKey(), Duration.ofSeconds(30)) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /**
   * The end offset of every partition, committed or not. Retries a moment while the topic is
   * unknown: it may have been created just now, before every broker's metadata has it.
   */
  private Map<TopicPartition, Long> highWatermarks() {
    long deadline = System.nanoTime() + 10_000_000_000L;
    try (Admin admin =
        Admin.create(KafkaClientSettings.admin(kafka, "pagedstream-ingest-admin").build())) {
      while (true) {
        try {
          Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
          admin
              .describeTopics(List.of(topic))
              .allTopicNames()
              .get(60, TimeUnit.SECONDS)
              .get(topic)
              .partitions()
              .forEach(
                  p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
          Map<TopicPartition, Long> ends = new HashMap<>();
          admin
              .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
              .all()
              .get(60, TimeUnit.SECONDS)
              .forEach((tp, info) -> ends.put(tp, info.offset()));
          return ends;
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
              || System.nanoTime() > deadline) {
            throw new IngestException(
                "cannot read the end offsets of " + topic + ": " + OneLine.of(e.getCause()),
                e.getCause());
          }
        }
        Thread.sleep(250);
      }
    } catch (TimeoutException e) {
      throw new IngestException(
          "Kafka at " + kafka.bootstrapServers() + " did not answer within 60 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IngestException("interrupted while reading " + topic, e);
    }
  }
}
