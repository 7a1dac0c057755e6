package io.pagedstream.batcher;

import io.pagedstream.schemas.avro.GenerationRequest;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads {@code llm.requests} values, and refuses the records that are not a request even though
 * Avro could read them: a tombstone (no value) and a request without an id. Refusing them here
 * sends them down the same path as unreadable bytes ({@link DeadLetterHandler}: dead letter, plus
 * an error completion when the record key names the request), so the processor only ever sees
 * requests it can answer by id.
 */
final class RequestDeserializer implements Deserializer<GenerationRequest> {

  private final Deserializer<GenerationRequest> avro;

  RequestDeserializer(Deserializer<GenerationRequest> avro) {
    this.avro = avro;
  }

  @Override
  public GenerationRequest deserialize(String topic, byte[] data) {
    if (data == null) {
      throw new SerializationException(
          "record on " + topic + " has no value (a tombstone is not a request)");
    }
    GenerationRequest request = avro.deserialize(topic, data);
    if (request.getId() == null || request.getId().isBlank()) {
      throw new SerializationException("request on " + topic + " has an empty id");
    }
    return request;
  }

  @Override
  public void close() {
    avro.close();
  }
}
