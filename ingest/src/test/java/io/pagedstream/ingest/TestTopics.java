package io.pagedstream.ingest;

import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.registry.SchemaRegistries;
import io.pagedstream.schemas.serde.AvroDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Fresh requests / completions / progress topics and a fresh registry scope on a shared broker, so
 * that tests never see each other's records; plus a read_committed reader for them.
 */
record TestTopics(EmbeddedKafka kafka, TopicNames names, String scope) {

  /** A record as a read_committed consumer sees it. */
  record Read(String topic, String key, SpecificRecord value) {
    GenerationRequest request() {
      return (GenerationRequest) value;
    }

    Completion completion() {
      return (Completion) value;
    }
  }

  static TestTopics create(EmbeddedKafka kafka) {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    TopicNames names =
        new TopicNames("requests-" + suffix, "completions-" + suffix, "progress-" + suffix);
    kafka.createTopics(names.requests(), names.completions());
    return new TestTopics(kafka, names, "ingest-" + suffix);
  }

  /** Client settings as a user's --kafka-config would give them: broker plus registry. */
  KafkaSettings settings() {
    Map<String, Object> m = new HashMap<>(kafka.clientProperties());
    m.put("schema.registry.url", "mock://" + scope);
    return KafkaSettings.of(m);
  }

  IngestConfig config() {
    return IngestConfig.ofStdin().withTopics(names);
  }

  /**
   * Reads both topics read_committed until {@code expected} records arrived (60 s at most), then
   * two seconds more so that records beyond those would show up too.
   */
  List<Read> readCommitted(int expected) {
    return read(expected, "read_committed");
  }

  List<Read> read(int expected, String isolation) {
    Map<String, Object> props = new HashMap<>(kafka.clientProperties());
    props.put("group.id", "reader-" + UUID.randomUUID());
    props.put("auto.offset.reset", "earliest");
    props.put("enable.auto.commit", "false");
    props.put("isolation.level", isolation);
    Map<String, Object> registry = Map.of("schema.registry.url", "mock://" + scope);
    AvroDeserializer<GenerationRequest> requests = new AvroDeserializer<>(GenerationRequest.class);
    requests.configure(registry, false);
    AvroDeserializer<Completion> completions = new AvroDeserializer<>(Completion.class);
    completions.configure(registry, false);
    List<Read> reads = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(names.requests(), names.completions()));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      long extra = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, extra)) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          SpecificRecord value =
              r.topic().equals(names.requests())
                  ? requests.deserialize(r.topic(), r.value())
                  : completions.deserialize(r.topic(), r.value());
          reads.add(new Read(r.topic(), r.key(), value));
        }
        if (reads.size() >= expected && extra == Long.MAX_VALUE) {
          extra = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        }
      }
    }
    return reads;
  }

  static Map<String, Read> byKey(List<Read> reads) {
    return reads.stream().collect(Collectors.toMap(Read::key, r -> r));
  }

  void dropScope() {
    SchemaRegistries.dropScope(scope);
  }
}
