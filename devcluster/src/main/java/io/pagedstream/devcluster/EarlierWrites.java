package io.pagedstream.devcluster;

import io.pagedstream.schemas.KafkaClientSettings;
import io.pagedstream.schemas.KafkaSettings;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a topic's partitions end before this process writes to them: every record below these
 * offsets was written by an earlier process (committed or not; read_committed readers see only the
 * committed ones). The log end, not the last stable offset, since a crashed producer's open
 * transaction may sit below transactions another producer committed before the crash. Only figures
 * depend on it (progress, {@code --stats}), so a cluster that will not say (no DESCRIBE on the
 * topic) makes every completion count as this process's, with a warning.
 */
final class EarlierWrites {

  private static final Logger LOG = LoggerFactory.getLogger(EarlierWrites.class);

  private EarlierWrites() {}

  static Map<TopicPartition, Long> of(KafkaSettings kafka, String topic) {
    try (Admin admin =
        Admin.create(KafkaClientSettings.admin(kafka, "pagedstream-run-admin").build())) {
      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      d.partitions()
          .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      Map<TopicPartition, Long> ends = new HashMap<>();
      admin
          .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
          .all()
          .get()
          .forEach((tp, info) -> ends.put(tp, info.offset()));
      return Map.copyOf(ends);
    } catch (ExecutionException e) {
      LOG.warn(
          "cannot read the end offsets of {} ({}): every result counts as this run's",
          topic,
          e.getCause().getMessage());
      return Map.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the end offsets of " + topic, e);
    }
  }
}
