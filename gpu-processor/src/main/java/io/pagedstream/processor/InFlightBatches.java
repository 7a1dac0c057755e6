package io.pagedstream.processor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Batches taken but not yet committed, per input partition in offset order. A batch becomes
 * committable when it and every earlier batch of its partition have all their outputs; its output
 * records are then released together with the offset after it.
 */
final class InFlightBatches {

  /** One input record: its output records fill in as its requests finish. */
  static final class Batch {
    final TopicPartition partition;
    final long offset;
    final String batchId;
    private int outstanding;
    private final List<ProducerRecord<String, byte[]>> outputs = new ArrayList<>();

    Batch(TopicPartition partition, long offset, String batchId, int outstanding) {
      this.partition = partition;
      this.offset = offset;
      this.batchId = batchId;
      this.outstanding = outstanding;
    }

    void addOutput(ProducerRecord<String, byte[]> record) {
      outputs.add(record);
    }

    /** Records one request of the batch as answered (its output already added). */
    void answered() {
      if (outstanding <= 0) {
        throw new IllegalStateException(
            "batch " + batchId + " answered more often than it has requests");
      }
      outstanding--;
    }

    boolean done() {
      return outstanding == 0;
    }
  }

  /** What one transaction commits: output records and the offsets after their batches. */
  record Committable(
      List<ProducerRecord<String, byte[]>> records,
      Map<TopicPartition, OffsetAndMetadata> offsets,
      int batches) {
    boolean isEmpty() {
      return offsets.isEmpty();
    }
  }

  private final Map<TopicPartition, TreeMap<Long, Batch>> byPartition = new HashMap<>();
  private int size;

  Batch add(TopicPartition tp, long offset, String batchId, int requests) {
    Batch b = new Batch(tp, offset, batchId, requests);
    byPartition.computeIfAbsent(tp, p -> new TreeMap<>()).put(offset, b);
    size++;
    return b;
  }

  int size() {
    return size;
  }

  /** Removes the leading finished batches of every partition. */
  Committable drainCommittable() {
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    int batches = 0;
    for (Map.Entry<TopicPartition, TreeMap<Long, Batch>> e : byPartition.entrySet()) {
      Iterator<Batch> it = e.getValue().values().iterator();
      while (it.hasNext()) {
        Batch b = it.next();
        if (!b.done()) {
          break;
        }
        records.addAll(b.outputs);
        offsets.put(e.getKey(), new OffsetAndMetadata(b.offset + 1));
        it.remove();
        size--;
        batches++;
      }
    }
    byPartition.values().removeIf(TreeMap::isEmpty);
    return new Committable(records, offsets, batches);
  }

  /** Forgets the batches of partitions this instance no longer owns; returns them. */
  List<Batch> drop(Collection<TopicPartition> partitions) {
    List<Batch> dropped = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      TreeMap<Long, Batch> m = byPartition.remove(tp);
      if (m != null) {
        dropped.addAll(m.values());
        size -= m.size();
      }
    }
    return dropped;
  }

  List<Batch> dropAll() {
    return drop(new ArrayList<>(byPartition.keySet()));
  }
}
