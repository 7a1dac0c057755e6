package io.pagedstream.sink;

import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.Completion;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Produces test completions to {@code llm.completions} the way the processors do: keyed by request
 * id, in transactions.
 */
final class CompletionProducer implements AutoCloseable {

  private final KafkaProducer<String, byte[]> producer;
  private final Function<Completion, byte[]> encoder;

  CompletionProducer(Map<String, Object> clientProperties, Function<Completion, byte[]> encoder) {
    Map<String, Object> props = new HashMap<>(clientProperties);
    props.put("transactional.id", "test-completions-" + UUID.randomUUID());
    props.put("linger.ms", 5);
    // one batch in flight: a batch retried on a just-created partition cannot overtake another
    props.put("max.in.flight.requests.per.connection", 1);
    producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    producer.initTransactions();
    this.encoder = encoder;
  }

  /** Completions {@code from..to-1} in transactions of {@code perTransaction}. */
  void produce(int from, int to, int perTransaction) {
    for (int start = from; start < to; start += perTransaction) {
      producer.beginTransaction();
      for (int n = start; n < Math.min(to, start + perTransaction); n++) {
        send(TestCompletions.completion(n));
      }
      producer.commitTransaction();
    }
  }

  /** New content for completions {@code from..to-1}, as a re-processed request would bring. */
  void produceVersion2(int from, int to) {
    producer.beginTransaction();
    for (int n = from; n < to; n++) {
      send(TestCompletions.version2(n));
    }
    producer.commitTransaction();
  }

  /** Completions that a read_committed consumer must never see. */
  void produceAborted(int count) {
    producer.beginTransaction();
    for (int i = 0; i < count; i++) {
      send(TestCompletions.completion("aborted-" + i, TestCompletions.jobOf(i), "aborted"));
    }
    producer.flush();
    producer.abortTransaction();
  }

  /** Any value bytes, in a transaction of their own. */
  void produceRaw(String key, byte[] value) {
    producer.beginTransaction();
    producer.send(new ProducerRecord<>(Topics.COMPLETIONS, key, value));
    producer.commitTransaction();
  }

  private void send(Completion c) {
    producer.send(new ProducerRecord<>(Topics.COMPLETIONS, c.getId(), encoder.apply(c)));
  }

  @Override
  public void close() {
    producer.close();
  }
}
