package io.pagedstream.processor;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.pagedstream.core.model.ModelFingerprint;
import io.pagedstream.core.text.TextTokenizer;
import io.pagedstream.engine.LlmEngine;
import io.pagedstream.schemas.KafkaClientSettings;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationBatch;
import io.pagedstream.schemas.serde.AvroDeserializer;
import io.pagedstream.schemas.serde.AvroSerializer;
import io.pagedstream.tokenizer.HuggingFaceTextTokenizer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One processor instance: an engine on one device, a consumer-group member on the batches topic and
 * a transactional producer, driven by a {@link ProcessorLoop} on its own thread.
 */
public final class ProcessorService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ProcessorService.class);
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(10);

  private final ProcessorConfig config;
  private final LlmEngine engine;
  private final Optional<TextTokenizer> tokenizer;
  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaProducer<String, byte[]> producer;
  private final ProcessorLoop loop;
  private final Thread thread;
  private final ProcessorStats stats = new ProcessorStats();
  private boolean released;
  private final java.util.List<KafkaClientMetrics> clientMetrics = new java.util.ArrayList<>();

  private ProcessorService(ProcessorConfig config, KafkaSettings kafka) {
    this.config = config;
    // before loading: the engine measures its batch-invariant shapes at load, on these threads
    IntraOpThreads.set(config.threads());
    this.engine = LlmEngine.load(config.model(), config.engine());
    this.tokenizer = HuggingFaceTextTokenizer.forModel(config.model());
    // stop strings are matched on decoded text
    tokenizer.ifPresent(t -> engine.setTokenDecoder(t::decode));
    Map<String, Object> consumerProps =
        KafkaClientSettings.groupConsumer(
                kafka, config.groupId(), "processor-" + config.instanceId())
            // static membership: a restarted instance takes its predecessor's place and partitions
            // at
            // once. Without it, a crashed member stays in the group until its session times out,
            // and
            // its replacement's join holds up the whole group (every member stops and drops its
            // in-flight batches) for that long
            .with(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "processor-" + config.instanceId())
            .with(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
            // one batch per poll: the loop decides when the engine has room for the next
            .with(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1)
            // a CPU prefill step can take seconds; a GPU one never this long
            .with(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 600_000)
            .withDefault(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 15_000)
            .build();
    this.consumer =
        new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer());
    Map<String, Object> producerProps =
        KafkaClientSettings.producer(
                kafka, "processor-" + config.instanceId() + "-producer", config.transactionalId())
            .with(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                (int) config.transactionTimeout().toMillis())
            .withDefault(ProducerConfig.LINGER_MS_CONFIG, 5)
            .withDefault(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4")
            .build();
    this.producer =
        new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer());
    AvroDeserializer<GenerationBatch> batchReader = new AvroDeserializer<>(GenerationBatch.class);
    batchReader.configure(kafka.asMap(), false);
    AvroSerializer<Completion> completionWriter = new AvroSerializer<>();
    completionWriter.configure(kafka.asMap(), false);
    this.loop =
        new ProcessorLoop(
            config,
            engine,
            consumer,
            producer,
            batchReader,
            completionWriter,
            new CompletionFactory(tokenizer, config.instanceId()),
            stats,
            ModelFingerprint.of(config.model()));
    this.thread = new Thread(this::runLoop, "processor-" + config.instanceId());
  }

  /** Loads the model and starts consuming. */
  public static ProcessorService start(ProcessorConfig config, KafkaSettings kafka) {
    return start(config, kafka, null);
  }

  /**
   * Same, registering the processor's series and its Kafka clients' metrics (lag) in {@code
   * registry}.
   */
  public static ProcessorService start(
      ProcessorConfig config, KafkaSettings kafka, MeterRegistry registry) {
    ProcessorService s = new ProcessorService(config, kafka);
    if (registry != null) {
      ProcessorMetrics.bind(registry, s);
      s.clientMetrics.add(new KafkaClientMetrics(s.consumer));
      s.clientMetrics.add(new KafkaClientMetrics(s.producer));
      s.clientMetrics.forEach(m -> m.bindTo(registry));
    }
    s.thread.start();
    LOG.info(
        "processor {} started on {} ({} KV blocks of {} tokens)",
        config.instanceId(),
        s.engine.device(),
        config.engine().numKvBlocks(),
        config.engine().blockSize());
    return s;
  }

  private void runLoop() {
    try {
      loop.run();
    } finally {
      if (loop.killed()) {
        // a crash, as far as the group can tell: no leave request, the member just goes silent
        producer.close(Duration.ZERO);
        consumer.close(
            CloseOptions.groupMembershipOperation(GroupMembershipOperation.REMAIN_IN_GROUP)
                .withTimeout(Duration.ZERO));
      } else {
        producer.close(CLOSE_GRACE);
        // a static member stays in the group on close unless told: hand the partitions over now
        consumer.close(
            CloseOptions.groupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(CLOSE_GRACE));
      }
    }
  }

  public ProcessorStats stats() {
    return stats;
  }

  public ProcessorConfig config() {
    return config;
  }

  /** The engine, for gauges (running, waiting, KV blocks); read-only use from other threads. */
  public LlmEngine engine() {
    return engine;
  }

  public boolean isRunning() {
    return thread.isAlive();
  }

  /** Why the loop stopped on its own, or null. */
  public Throwable failure() {
    return loop.failure();
  }

  /** Dies abruptly: no commit, no waiting; open work is redone by the partitions' next owner. */
  public synchronized void kill() {
    loop.kill();
    join();
    release();
  }

  /** Commits what is finished, leaves the group and frees the engine. */
  @Override
  public synchronized void close() {
    if (thread.isAlive()) {
      loop.stop();
      join();
    }
    release();
  }

  private void release() {
    if (!released) {
      released = true;
      clientMetrics.forEach(KafkaClientMetrics::close);
      engine.close();
      tokenizer.ifPresent(TextTokenizer::close);
    }
  }

  private void join() {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
