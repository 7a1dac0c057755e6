package io.pagedstream.batcher;

import io.micrometer.core.instrument.MeterRegistry;
import io.pagedstream.core.OneLine;
import io.pagedstream.schemas.KafkaClientSettings;
import io.pagedstream.schemas.KafkaSettings;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LogAndFailProcessingExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batcher as a running service: one {@link KafkaStreams} instance on {@link BatcherTopology},
 * with exactly_once_v2, the {@link DeadLetterHandler}, and failed stream threads replaced rather
 * than left dead.
 *
 * <pre>{@code
 * BatcherConfig config = BatcherConfig.defaults(Path.of("models/tiny-stories-synth"))
 *     .withKvBudget(KvBudget.blocks(4096)).withMaxBatchRequests(64);
 * KafkaSettings kafka = KafkaSettings.of("localhost:9092", Path.of("client.properties"));
 * try (BatcherService batcher = BatcherService.create(config, kafka, meterRegistry)) {
 *   batcher.start();
 *   ...
 * }
 * }</pre>
 */
public final class BatcherService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BatcherService.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);

  private final BatcherConfig config;
  private final RequestChecker checker;
  private final BatcherMetrics metrics;
  private final KafkaStreams streams;
  private final Object stateChanged = new Object();
  private volatile Throwable failure;

  private BatcherService(
      BatcherConfig config, RequestChecker checker, BatcherMetrics metrics, KafkaStreams streams) {
    this.config = config;
    this.checker = checker;
    this.metrics = metrics;
    this.streams = streams;
  }

  /**
   * Loads the model's limits and tokenizer and builds the Kafka Streams instance; nothing connects
   * until {@link #start()}.
   *
   * @param kafka bootstrap servers plus the client file's settings: security, the schema registry,
   *     {@code state.dir}, {@code num.stream.threads}, any other Streams setting
   * @param meters where to record batch fill and request outcomes; null for nowhere
   */
  public static BatcherService create(
      BatcherConfig config, KafkaSettings kafka, MeterRegistry meters) {
    BatcherMetrics metrics = meters == null ? BatcherMetrics.none() : BatcherMetrics.of(meters);
    RequestChecker checker = RequestChecker.load(config);
    try {
      Map<String, Object> settings = streamsConfig(config, kafka, metrics);
      int routes = config.prefixBlocks() == 0 ? 1 : batchPartitions(kafka);
      KafkaStreams streams =
          new KafkaStreams(
              BatcherTopology.build(config, checker, settings, metrics, routes),
              new StreamsConfig(settings));
      BatcherService service = new BatcherService(config, checker, metrics, streams);
      streams.setStateListener(service::onStateChange);
      streams.setUncaughtExceptionHandler(service::onThreadFailure);
      LOG.info(
          "batcher {}: KV budget {} blocks of {} tokens, up to {} requests per batch, {} open"
              + " batches per task, flush after {} ms; Kafka {}",
          config.applicationId(),
          checker.estimator().budgetBlocks(),
          config.blockSize(),
          config.maxBatchRequests(),
          config.maxOpenBatches(),
          config.flushInterval().toMillis(),
          kafka.redacted());
      return service;
    } catch (RuntimeException e) {
      checker.close();
      throw e;
    }
  }

  /**
   * The partitions of {@code llm.batches}: prefix routing packs each route's requests together and
   * a route is one partition. 1 when the topic cannot be described (yet): batches then mix
   * prefixes, each still routed by its first, which costs cache hits but never correctness.
   */
  private static int batchPartitions(KafkaSettings kafka) {
    try (org.apache.kafka.clients.admin.Admin a =
        org.apache.kafka.clients.admin.Admin.create(
            KafkaClientSettings.admin(kafka, "pagedstream-batcher-admin").build())) {
      return a.describeTopics(java.util.List.of(io.pagedstream.schemas.Topics.BATCHES))
          .allTopicNames()
          .get(20, java.util.concurrent.TimeUnit.SECONDS)
          .get(io.pagedstream.schemas.Topics.BATCHES)
          .partitions()
          .size();
    } catch (java.util.concurrent.ExecutionException
        | java.util.concurrent.TimeoutException
        | RuntimeException e) {
      LOG.warn(
          "cannot read the partitions of {} ({}); prefix routing packs as if it had one",
          io.pagedstream.schemas.Topics.BATCHES,
          e.getCause() != null ? e.getCause().toString() : e.toString());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  /**
   * The Kafka Streams settings ({@link KafkaClientSettings#streams}, so exactly_once_v2: each
   * request's result and its offset commit together), with what else the batcher's guarantees rest
   * on, which the user's file cannot turn off: the dead-letter handler, and failing (not skipping)
   * on processing or production errors, since a skipped record would be a request without a result.
   */
  public static Map<String, Object> streamsConfig(
      BatcherConfig config, KafkaSettings kafka, BatcherMetrics metrics) {
    Map<String, Object> settings =
        KafkaClientSettings.streams(kafka, config.applicationId())
            .with(
                StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterHandler.class)
            .with(
                StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                LogAndFailProcessingExceptionHandler.class)
            .with(
                StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DefaultProductionExceptionHandler.class)
            // a no-op without global stores; Kafka recommends it and makes it the default in 5.0
            .with(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true)
            .with(BatcherMetrics.CONFIG_KEY, metrics)
            .build();
    // Kafka's default, /tmp/kafka-streams, is shared by every run on the machine: local state of
    // one cluster would be taken for another's. Without a state.dir, each instance gets its own,
    // restored from the changelogs (correct, if slower to start than a kept directory).
    settings.computeIfAbsent(StreamsConfig.STATE_DIR_CONFIG, k -> freshStateDir());
    return settings;
  }

  private static String freshStateDir() {
    try {
      java.nio.file.Path dir =
          java.nio.file.Files.createTempDirectory("pagedstream-batcher-state-");
      dir.toFile().deleteOnExit();
      return dir.toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot create a state directory for the batcher", e);
    }
  }

  /** Starts consuming; returns at once (see {@link #awaitRunning}). */
  public void start() {
    streams.start();
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  /**
   * Waits until the instance is RUNNING (tasks assigned and restored); false on timeout, or at once
   * when it is stopping or failed instead of starting.
   */
  public boolean awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (stateChanged) {
      while (true) {
        KafkaStreams.State state = streams.state();
        if (state == KafkaStreams.State.RUNNING) {
          return true;
        }
        boolean starting =
            state == KafkaStreams.State.CREATED || state == KafkaStreams.State.REBALANCING;
        long left = deadline - System.nanoTime();
        if (!starting || left <= 0) {
          return false;
        }
        // the state listener notifies; the bound only guards against a missed notification
        stateChanged.wait(Math.max(1, Math.min(left / 1_000_000, 1000)));
      }
    }
  }

  public BatcherConfig config() {
    return config;
  }

  /**
   * How many batches each of this instance's tasks (by input partition) holds open now, read from
   * their state stores: at most {@link BatcherConfig#maxOpenBatches()} each, whatever the backlog
   * in the requests topic. Empty while tasks move. For gauges and tests; any thread.
   */
  public Map<Integer, Long> openBatchesByPartition() {
    return entriesByPartition(config.storeName());
  }

  /** Requests in this instance's open batches now (at most tasks x open batches x batch size). */
  public long openBatchRequests() {
    return entriesByPartition(config.requestStoreName()).values().stream()
        .mapToLong(Long::longValue)
        .sum();
  }

  private Map<Integer, Long> entriesByPartition(String store) {
    Map<Integer, Long> entries = new TreeMap<>();
    try {
      for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
        for (TaskMetadata task : thread.activeTasks()) {
          int partition = task.taskId().partition();
          entries.put(
              partition,
              streams
                  .store(
                      StoreQueryParameters.fromNameAndType(
                              store, QueryableStoreTypes.<String, Object>keyValueStore())
                          .withPartition(partition))
                  .approximateNumEntries());
        }
      }
    } catch (InvalidStateStoreException e) {
      // a rebalance is moving the tasks; the next call sees where they went
    }
    return entries;
  }

  /** Why the batcher stopped on its own (refused by the brokers), or null. */
  public Throwable failure() {
    return failure;
  }

  /**
   * Stops consuming and commits what was processed; open batches stay in the changelog for the next
   * owner of their tasks. Leaves the consumer group on the way out, so that another instance takes
   * the tasks over at once instead of after the session timeout (45 s by default; Kafka Streams
   * otherwise stays in the group on close, to spare rebalances during bounces). Then releases the
   * tokenizer.
   */
  @Override
  public void close() {
    try {
      if (!streams.close(
          CloseOptions.groupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP)
              .withTimeout(CLOSE_TIMEOUT))) {
        LOG.warn(
            "batcher {} did not stop within {} s",
            config.applicationId(),
            CLOSE_TIMEOUT.toSeconds());
      }
    } finally {
      checker.close();
    }
  }

  private void onStateChange(KafkaStreams.State now, KafkaStreams.State before) {
    if (now == KafkaStreams.State.ERROR) {
      LOG.error("batcher {} stopped with an error ({} -> {})", config.applicationId(), before, now);
    } else {
      LOG.info("batcher {}: {} -> {}", config.applicationId(), before, now);
    }
    synchronized (stateChanged) {
      stateChanged.notifyAll();
    }
  }

  /**
   * Bad records never get here (they are answered or dead-lettered); what does is the world
   * failing: the schema registry or the brokers unavailable, a fenced producer. Replacing the
   * thread retries from the last commit, and the pause keeps an outage from turning into a loop of
   * rebalances. Refused credentials or ACLs are the exception: every new thread would be refused
   * again, forever, so the batcher stops and says why.
   */
  private StreamThreadExceptionResponse onThreadFailure(Throwable e) {
    Throwable refused = accessRefusal(e);
    if (refused != null) {
      failure = refused;
      LOG.error(
          "batcher {}: stopping, the brokers refused it: {}",
          config.applicationId(),
          OneLine.of(refused));
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }
    LOG.error(
        "batcher {}: a stream thread failed, replacing it in {} ms: {}",
        config.applicationId(),
        config.threadRestartBackoff().toMillis(),
        OneLine.of(e),
        e);
    metrics.threadReplaced();
    try {
      Thread.sleep(config.threadRestartBackoff().toMillis());
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
    return StreamThreadExceptionResponse.REPLACE_THREAD;
  }

  /** The authentication or authorization error in {@code e}'s causes, or null. */
  static Throwable accessRefusal(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof AuthenticationException || t instanceof AuthorizationException) {
        return t;
      }
    }
    return null;
  }
}
