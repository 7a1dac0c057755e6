package io.pagedstream.batcher;

import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.GenerationBatch;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Which {@code llm.batches} partition a batch goes to: its first prefixed request's route (the
 * packer only lets requests of one route share a batch), or, for a batch of plain requests only,
 * the hash of its batch id as Kafka's default partitioner would, so plain work spreads evenly.
 * Computed from the batch itself, so the batch's schema carries no routing field.
 */
final class BatchPartitioner implements StreamPartitioner<String, SpecificRecord> {

  private final PrefixRoute routing;

  BatchPartitioner(PrefixRoute routing) {
    this.routing = routing;
  }

  @Override
  public Optional<Set<Integer>> partitions(
      String topic, String key, SpecificRecord value, int numPartitions) {
    if (value instanceof GenerationBatch batch) {
      for (BatchedRequest r : batch.getRequests()) {
        OptionalInt route = routing.route(r.getPromptTokenIds(), numPartitions);
        if (route.isPresent()) {
          return Optional.of(Set.of(route.getAsInt()));
        }
      }
    }
    if (key == null) {
      return Optional.empty();
    }
    return Optional.of(
        Set.of(
            Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % numPartitions));
  }
}
