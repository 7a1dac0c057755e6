package io.pagedstream.batcher.jobs;

import io.pagedstream.schemas.KafkaClientSettings;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.JobStatus;
import io.pagedstream.schemas.serde.AvroDeserializer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** The latest status of a job: the last value under its key in the compacted jobs topic. */
public final class JobStatusReader {

  private JobStatusReader() {}

  public static Optional<JobStatus> latest(KafkaSettings kafka, String jobId, Duration timeout) {
    AvroDeserializer<JobStatus> reader = new AvroDeserializer<>(JobStatus.class);
    reader.configure(kafka.asMap(), false);
    // partitions assigned: no consumer group
    Map<String, Object> props =
        KafkaClientSettings.assignedConsumer(kafka, "pagedstream-status").build();
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          c.partitionsFor(Topics.JOBS, timeout).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts, timeout);
      JobStatus last = null;
      long deadline = System.nanoTime() + timeout.toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (jobId.equals(r.key()) && r.value() != null) {
            last = reader.deserialize(r.topic(), r.value());
          }
        }
      }
      return Optional.ofNullable(last);
    }
  }
}
