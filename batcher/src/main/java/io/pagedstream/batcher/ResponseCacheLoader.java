package io.pagedstream.batcher;

import io.pagedstream.schemas.avro.Completion;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Keeps the global response-cache store in step with its compacted topic. */
final class ResponseCacheLoader implements Processor<String, Completion, Void, Void> {

  private final String storeName;
  private KeyValueStore<String, Completion> store;

  ResponseCacheLoader(String storeName) {
    this.storeName = storeName;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    store = context.getStateStore(storeName);
  }

  @Override
  public void process(Record<String, Completion> record) {
    if (record.key() == null) {
      return;
    }
    if (record.value() == null) {
      store.delete(record.key());
    } else {
      store.put(record.key(), record.value());
    }
  }
}
