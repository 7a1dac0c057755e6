package io.pagedstream.batcher;

import io.pagedstream.schemas.avro.Completion;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads response-cache entries; an unreadable one is skipped (it only costs a cache miss) rather
 * than stopping the global thread that restores the whole cache.
 */
final class LenientCompletionDeserializer implements Deserializer<Completion> {

  private static final Logger LOG = LoggerFactory.getLogger(LenientCompletionDeserializer.class);
  private final Deserializer<Completion> inner;

  LenientCompletionDeserializer(Deserializer<Completion> inner) {
    this.inner = inner;
  }

  @Override
  public Completion deserialize(String topic, byte[] data) {
    try {
      return data == null ? null : inner.deserialize(topic, data);
    } catch (SerializationException e) {
      LOG.warn("skipping an unreadable response-cache entry on {}: {}", topic, e.getMessage());
      return null;
    }
  }

  @Override
  public void close() {
    inner.close();
  }
}
