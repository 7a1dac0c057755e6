package io.pagedstream.batcher;

import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.GenerationBatch;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task's open batches in its two changelogged state stores: one entry per batch ({@link
 * OpenBatch}: id, age, load) and one per request, keyed {@code <batch id>/<index>}. Adding a
 * request writes that request and the small batch entry, never the whole batch again, so the
 * changelog grows with the requests rather than with their square. Sending a batch deletes its
 * entries in the same transaction that produces it.
 */
final class OpenBatchStore {

  private static final StringSerializer KEYS = new StringSerializer();

  private final KeyValueStore<String, OpenBatch> batches;
  private final KeyValueStore<String, BatchedRequest> requests;

  OpenBatchStore(
      KeyValueStore<String, OpenBatch> batches, KeyValueStore<String, BatchedRequest> requests) {
    this.batches = batches;
    this.requests = requests;
  }

  /** The task's open batches; a handful, by {@link BatcherConfig#maxOpenBatches()}. */
  List<OpenBatch> openBatches() {
    List<OpenBatch> open = new ArrayList<>();
    try (KeyValueIterator<String, OpenBatch> all = batches.all()) {
      all.forEachRemaining(entry -> open.add(entry.value));
    }
    return open;
  }

  OpenBatch get(String batchId) {
    OpenBatch batch = batches.get(batchId);
    if (batch == null) {
      throw new IllegalStateException("no open batch " + batchId + " in the state store");
    }
    return batch;
  }

  /** Adds {@code request} to {@code batch} (new or open) and returns the batch as it is now. */
  OpenBatch append(OpenBatch batch, BatchedRequest request) {
    requests.put(requestKey(batch.batchId(), batch.requests()), request);
    OpenBatch grown = batch.plus(request.getEstimatedKvBlocks());
    batches.put(grown.batchId(), grown);
    return grown;
  }

  /** Removes a batch and its requests; returns it ready to send, stamped {@code closedAtMs}. */
  GenerationBatch remove(OpenBatch batch, long closedAtMs) {
    List<BatchedRequest> members = new ArrayList<>(batch.requests());
    List<String> keys = new ArrayList<>(batch.requests());
    try (KeyValueIterator<String, BatchedRequest> it =
        requests.prefixScan(batch.batchId() + "/", KEYS)) {
      while (it.hasNext()) {
        KeyValue<String, BatchedRequest> entry = it.next();
        keys.add(entry.key);
        members.add(entry.value);
      }
    }
    if (members.size() != batch.requests()) {
      throw new IllegalStateException(
          "open batch "
              + batch.batchId()
              + " should hold "
              + batch.requests()
              + " requests but the state store has "
              + members.size());
    }
    keys.forEach(requests::delete);
    batches.delete(batch.batchId());
    return GenerationBatch.newBuilder()
        .setBatchId(batch.batchId())
        .setCreatedAtMs(closedAtMs)
        .setEstimatedKvBlocks(batch.blocks())
        .setRequests(members)
        .build();
  }

  /**
   * Zero-padded so that the store's key order is the order requests arrived in; batch ids hold no
   * '/', so one batch's prefix never matches another's keys.
   */
  static String requestKey(String batchId, int index) {
    return batchId + "/" + String.format("%010d", index);
  }
}
