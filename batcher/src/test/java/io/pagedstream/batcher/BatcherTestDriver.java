package io.pagedstream.batcher;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationBatch;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.registry.SchemaRegistries;
import io.pagedstream.schemas.serde.AvroSerdes;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The real topology and the real Streams settings ({@link BatcherService#streamsConfig}, so the
 * real dead-letter handler and exactly_once_v2) in a {@link TopologyTestDriver}, with typed topics.
 * Each driver has its own in-memory registry scope.
 */
final class BatcherTestDriver implements AutoCloseable {

  static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  final BatcherConfig config;
  final MeterRegistry meters = new SimpleMeterRegistry();
  final Map<String, Object> registry;
  final RequestChecker checker;
  final TopologyTestDriver driver;
  final TestInputTopic<String, GenerationRequest> requests;
  final TestInputTopic<byte[], byte[]> rawRequests;
  final TestOutputTopic<String, GenerationBatch> batches;
  final TestOutputTopic<String, Completion> completions;
  final TestOutputTopic<byte[], byte[]> deadLetters;
  private final String scope = "batcher-test-" + UUID.randomUUID();

  BatcherTestDriver(BatcherConfig config, Path stateDir) {
    this(config, stateDir, null, Map.of());
  }

  /**
   * @param registryUrl null: an in-memory registry of this driver's own
   * @param overrides Streams settings to change after the service's own
   */
  BatcherTestDriver(
      BatcherConfig config, Path stateDir, String registryUrl, Map<String, Object> overrides) {
    this.config = config;
    this.registry =
        Map.of("schema.registry.url", registryUrl != null ? registryUrl : "mock://" + scope);
    Map<String, Object> client = new HashMap<>(registry);
    client.put("bootstrap.servers", "unused:9092");
    client.put("state.dir", stateDir.toString());
    BatcherMetrics metrics = BatcherMetrics.of(meters);
    Map<String, Object> settings =
        BatcherService.streamsConfig(config, KafkaSettings.of(client), metrics);
    Properties props = new Properties();
    props.putAll(settings);
    props.putAll(overrides);
    this.checker = RequestChecker.load(config);
    this.driver =
        new TopologyTestDriver(
            BatcherTopology.build(config, checker, settings, metrics), props, START);
    // test-side serdes always use an in-memory registry, even when the batcher's is unreachable
    Map<String, Object> local = Map.of("schema.registry.url", "mock://" + scope);
    this.requests =
        driver.createInputTopic(
            Topics.REQUESTS,
            new StringSerializer(),
            AvroSerdes.serde(GenerationRequest.class, local).serializer(),
            START,
            Duration.ZERO);
    this.rawRequests =
        driver.createInputTopic(
            Topics.REQUESTS,
            new ByteArraySerializer(),
            new ByteArraySerializer(),
            START,
            Duration.ZERO);
    this.batches =
        driver.createOutputTopic(
            Topics.BATCHES,
            new StringDeserializer(),
            AvroSerdes.serde(GenerationBatch.class, local).deserializer());
    this.completions =
        driver.createOutputTopic(
            Topics.COMPLETIONS,
            new StringDeserializer(),
            AvroSerdes.serde(Completion.class, local).deserializer());
    this.deadLetters =
        driver.createOutputTopic(
            Topics.DEAD_LETTER, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  void send(GenerationRequest request) {
    requests.pipeInput(request.getId(), request);
  }

  /** Moves the wall clock past the flush interval and the punctuator's period. */
  void flushByAge() {
    driver.advanceWallClockTime(config.flushInterval().plus(config.flushCheckPeriod()));
  }

  List<GenerationBatch> readBatches() {
    return batches.readValuesToList();
  }

  List<TestRecord<String, Completion>> readCompletions() {
    return completions.readRecordsToList();
  }

  /** A serializer writing to the registry scope the batcher reads from (in-memory registries). */
  Map<String, Object> testRegistry() {
    return Map.of("schema.registry.url", "mock://" + scope);
  }

  @Override
  public void close() {
    try {
      driver.close();
    } finally {
      checker.close();
      SchemaRegistries.dropScope(scope);
    }
  }
}
