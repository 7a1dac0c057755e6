package io.pagedstream.batcher;

import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationBatch;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.serde.AvroSerdes;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.UsePartitionTimeOnInvalidTimestamp;
import org.apache.kafka.streams.state.Stores;

/**
 * The batcher's topology:
 *
 * <pre>
 * llm.requests --(RequestDeserializer; unreadable: DeadLetterHandler)--> batcher
 *   batcher [open-batches, open-batches-requests, open-batches-submitted]
 *                                  --> llm.batches      (GenerationBatch by batch id; partition:
 *                                                        BatchPartitioner, the prefix's route)
 *                                  --> llm.completions  (error or cached Completion by request id)
 * llm.response-cache --> global store open-batches-response-cache (read by every batcher task)
 * </pre>
 *
 * <p>A request whose (job, id) the task has seen before is dropped: it was answered, or is in a
 * batch being answered, so re-submitting a job after a crash costs only the missing requests.
 */
public final class BatcherTopology {

  public static final String SOURCE = "requests";
  public static final String PROCESSOR = "batcher";
  public static final String BATCHES_SINK = "batches";
  public static final String COMPLETIONS_SINK = "completions";

  private BatcherTopology() {}

  /**
   * Builds the topology.
   *
   * @param checker validates and estimates requests; shared by every task, and left open (the
   *     caller closes it after the Kafka Streams instance running this topology)
   * @param registrySettings the schema registry settings ({@code schema.registry.url} etc.) for the
   *     Avro topics; other keys are ignored, so the whole client config may be given
   */
  public static Topology build(
      BatcherConfig config,
      RequestChecker checker,
      Map<String, ?> registrySettings,
      BatcherMetrics metrics) {
    return build(config, checker, registrySettings, metrics, 1);
  }

  /**
   * Same, packing prefixed requests by their route among {@code routes}: the partitions of {@code
   * llm.batches}, so that each route is one partition.
   */
  public static Topology build(
      BatcherConfig config,
      RequestChecker checker,
      Map<String, ?> registrySettings,
      BatcherMetrics metrics,
      int routes) {
    PrefixRoute routing =
        new PrefixRoute(config.prefixBlocks(), config.blockSize(), Math.max(1, routes));
    BatchPacker packer =
        new BatchPacker(
            checker.estimator().budgetBlocks(), config.maxBatchRequests(), config.maxOpenBatches());
    ResponseCache cache = ResponseCache.forModel(config.modelDir());
    Topology topology = new Topology();
    // earliest whatever the client file says: a new group must not skip requests sent before it
    // first started. An invalid timestamp must not stop the task: it only stamps error completions
    topology.addSource(
        AutoOffsetReset.earliest(),
        SOURCE,
        new UsePartitionTimeOnInvalidTimestamp(),
        new StringDeserializer(),
        new RequestDeserializer(
            AvroSerdes.serde(GenerationRequest.class, registrySettings).deserializer()),
        Topics.REQUESTS);
    topology.addProcessor(
        PROCESSOR,
        () -> new BatchingProcessor(config, checker, packer, metrics, cache, routing),
        SOURCE);
    // in memory and changelogged: a few open batches per task restore in moments, and no native
    // RocksDB is needed for state this small
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(config.storeName()),
            Serdes.String(),
            new OpenBatchSerde()),
        PROCESSOR);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(config.requestStoreName()),
            Serdes.String(),
            new AvroStateSerde<>(BatchedRequest.getEncoder(), BatchedRequest.getDecoder())),
        PROCESSOR);
    // every (job, id) ever accepted, so a re-submitted job skips what it already sent; persistent,
    // since it grows with the number of requests
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(config.submittedStoreName()),
            Serdes.String(),
            Serdes.Long()),
        PROCESSOR);
    topology.addGlobalStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(config.responseCacheStoreName()),
                Serdes.String(),
                AvroSerdes.serde(Completion.class, registrySettings))
            .withLoggingDisabled(),
        "response-cache-source",
        new StringDeserializer(),
        new LenientDeserializer<>(
            AvroSerdes.serde(Completion.class, registrySettings).deserializer()),
        Topics.RESPONSE_CACHE,
        "response-cache-loader",
        () -> new ResponseCacheLoader(config.responseCacheStoreName()));
    topology.addSink(
        BATCHES_SINK,
        Topics.BATCHES,
        new StringSerializer(),
        AvroSerdes.serde(GenerationBatch.class, registrySettings).serializer(),
        new BatchPartitioner(routing),
        PROCESSOR);
    topology.addSink(
        COMPLETIONS_SINK,
        Topics.COMPLETIONS,
        new StringSerializer(),
        AvroSerdes.serde(Completion.class, registrySettings).serializer(),
        PROCESSOR);
    return topology;
  }
}
