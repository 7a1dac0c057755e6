package io.pagedstream.batcher.jobs;

import java.util.function.Function;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Re-keys records by job id and tells whether each (job, request id) is seen for the first time,
 * remembering every one in a store (the input is partitioned by request id, so a request's records
 * always meet the same store).
 */
final class FirstSeen<V, R> implements Processor<String, V, String, R> {

  private final String storeName;
  private final Function<V, String> jobOf;
  private final Function<V, String> idOf;
  private final Delta<V, R> delta;
  private ProcessorContext<String, R> context;
  private KeyValueStore<String, Long> seen;

  /** What to forward for a record, given whether its (job, id) is new. */
  interface Delta<V, R> {
    R of(V value, boolean first, long timestampMs);
  }

  FirstSeen(
      String storeName, Function<V, String> jobOf, Function<V, String> idOf, Delta<V, R> delta) {
    this.storeName = storeName;
    this.jobOf = jobOf;
    this.idOf = idOf;
    this.delta = delta;
  }

  @Override
  public void init(ProcessorContext<String, R> context) {
    this.context = context;
    this.seen = context.getStateStore(storeName);
  }

  @Override
  public void process(Record<String, V> record) {
    V v = record.value();
    if (v == null) {
      return;
    }
    String job = jobOf.apply(v);
    String key = job + "\u0000" + idOf.apply(v);
    boolean first = seen.putIfAbsent(key, record.timestamp()) == null;
    R out = delta.of(v, first, record.timestamp());
    if (out != null) {
      context.forward(record.withKey(job).withValue(out));
    }
  }
}
