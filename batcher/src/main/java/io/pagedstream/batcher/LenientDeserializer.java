package io.pagedstream.batcher;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads records a consumer may skip when unreadable: a response-cache entry (a miss), or a request
 * or completion counted by the jobs aggregation (the batcher and processors dead-letter and answer
 * those). Returns null instead of stopping the thread that reads them.
 */
public final class LenientDeserializer<T> implements Deserializer<T> {

  private static final Logger LOG = LoggerFactory.getLogger(LenientDeserializer.class);
  private final Deserializer<T> inner;

  public LenientDeserializer(Deserializer<T> inner) {
    this.inner = inner;
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    try {
      return data == null ? null : inner.deserialize(topic, data);
    } catch (SerializationException e) {
      LOG.warn("skipping an unreadable record on {}: {}", topic, e.getMessage());
      return null;
    }
  }

  @Override
  public void close() {
    inner.close();
  }
}
