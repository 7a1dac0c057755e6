package io.pagedstream.devcluster;

import io.micrometer.core.instrument.MeterRegistry;
import io.pagedstream.batcher.BatcherConfig;
import io.pagedstream.batcher.BatcherService;
import io.pagedstream.batcher.jobs.JobStatusReader;
import io.pagedstream.batcher.jobs.JobsService;
import io.pagedstream.batcher.jobs.JobsTopology;
import io.pagedstream.core.OneLine;
import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.kafka.embedded.EmbeddedKafkaBuilder;
import io.pagedstream.kafka.embedded.EmbeddedKafkaCluster;
import io.pagedstream.processor.ProcessorConfig;
import io.pagedstream.processor.ProcessorService;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.Replication;
import io.pagedstream.schemas.TopicAdmin;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.JobStatus;
import io.pagedstream.sink.CompletionSinkConfig;
import io.pagedstream.sink.CompletionSinkConnector;
import io.pagedstream.sink.EmbeddedConnect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The whole pipeline in this process: the one start-up behind {@code demo}, {@code run}, {@code
 * chaos} and the tests. Every part but the broker is optional; a real deployment runs each service
 * as its own process instead ({@code batcher}, {@code processor}, a Connect cluster).
 *
 * <pre>
 *   broker: one in-process node | a replicated cluster of broker JVMs | a given cluster
 *     -> topics (schemas/Topics.ALL) -> registry (an in-process mock:// scope of its own, kept in
 *        the broker's _schemas topic when resumable)
 *     -> batcher (+ jobs aggregation) -> processors 0..N-1 -> Connect worker running the JSONL sink
 * </pre>
 *
 * <p>The fault methods ({@link #replaceProcessor}, {@link #restartBatcher}, {@link
 * #killAndRestartSink}, {@link #restartBroker}, {@link #killBroker}) serve the chaos harness; they
 * and {@link #close()} are synchronized so that a fault never interleaves with the shutdown.
 */
public final class DevCluster implements AutoCloseable {

  /** The sink connector's name. */
  public static final String SINK_CONNECTOR = "completions-jsonl";

  private static final Duration START_TIMEOUT = Duration.ofMinutes(2);

  /**
   * The Connect JSONL sink.
   *
   * @param outputDir where the sink writes its files
   * @param flushMaxRecords records a task buffers before it commits a file
   * @param tasks sink tasks
   */
  public record Sink(Path outputDir, int flushMaxRecords, int tasks) {
    public Sink {
      Objects.requireNonNull(outputDir, "outputDir");
      if (flushMaxRecords < 1 || tasks < 1) {
        throw new IllegalArgumentException(
            "the sink needs at least one task and one record per flush, got "
                + tasks
                + " and "
                + flushMaxRecords);
      }
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** What to start; by default one in-process broker with the topics and nothing else. */
  public static final class Builder {
    private int partitions = 4;
    private EmbeddedKafkaBuilder embedded = EmbeddedKafka.builder();
    private int brokers = 1;
    private int controllers = 1;
    private KafkaSettings external;
    private Function<Map<String, Object>, KafkaSettings> clientSettings =
        DevCluster::withOwnRegistry;
    private Path streamsDir;
    private BatcherConfig batcher;
    private boolean jobs;
    private List<ProcessorConfig> processors = List.of();
    private MeterRegistry meters;
    private Sink sink;

    private Builder() {}

    /** Partitions of the data topics: the most processors that can share the work. Default 4. */
    public Builder partitions(int partitions) {
      this.partitions = partitions;
      return this;
    }

    /**
     * One in-process broker made by {@code broker} (data directory, TLS, SASL...); the default is a
     * plain one.
     */
    public Builder embeddedBroker(EmbeddedKafkaBuilder broker) {
      this.embedded = Objects.requireNonNull(broker, "broker");
      this.external = null;
      this.brokers = 1;
      return this;
    }

    /**
     * A replicated cluster of {@code brokers} broker JVMs (3 or more) with a quorum of 1 or 3
     * controllers.
     */
    public Builder replicatedBrokers(int brokers, int controllers) {
      if (brokers < 3) {
        throw new IllegalArgumentException(
            "a replicated cluster needs at least 3 brokers (replication factor 3), got " + brokers);
      }
      this.brokers = brokers;
      this.controllers = controllers;
      this.embedded = null;
      this.external = null;
      return this;
    }

    /**
     * A cluster that runs already: its client settings as they are, topics with the cluster's
     * defaults.
     */
    public Builder externalCluster(KafkaSettings kafka) {
      this.external = Objects.requireNonNull(kafka, "kafka");
      this.embedded = null;
      return this;
    }

    /**
     * The client settings, given the embedded brokers' client properties. Default: those properties
     * and an in-process ({@code mock://}) registry of this cluster's own.
     */
    public Builder clientSettings(Function<Map<String, Object>, KafkaSettings> settings) {
      this.clientSettings = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /**
     * Makes the cluster carry on after a crash of the process (embedded broker on a data
     * directory): Kafka Streams keeps its process ids in {@code streamsDir}, so the restarted
     * batcher fences the dead one's transactions at once; group members a dead process left are
     * removed; the in-process registry keeps its schemas in the broker's {@code _schemas} topic.
     */
    public Builder resumable(Path streamsDir) {
      this.streamsDir = Objects.requireNonNull(streamsDir, "streamsDir");
      return this;
    }

    /**
     * Runs the batcher with these settings, and with {@code jobs} the jobs aggregation beside it.
     */
    public Builder batcher(BatcherConfig config, boolean jobs) {
      this.batcher = Objects.requireNonNull(config, "config");
      this.jobs = jobs;
      return this;
    }

    /** One processor per config, each with its own instance id. */
    public Builder processors(List<ProcessorConfig> configs) {
      this.processors = List.copyOf(configs);
      return this;
    }

    /** Where the services' meters go; null for none. */
    public Builder meters(MeterRegistry meters) {
      this.meters = meters;
      return this;
    }

    /** Runs a Connect worker with the JSONL sink. */
    public Builder sink(Sink sink) {
      this.sink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /**
     * Starts everything and returns once the batcher and the sink run; on failure, stops what
     * started.
     */
    public DevCluster start() throws InterruptedException {
      if (partitions < 1) {
        throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
      }
      if (streamsDir != null && embedded == null) {
        throw new IllegalArgumentException(
            "a data directory is for the embedded broker; a cluster keeps its own data");
      }
      DevCluster c = new DevCluster(this);
      try {
        c.startAll();
        return c;
      } catch (RuntimeException | InterruptedException e) {
        c.close();
        throw e;
      }
    }
  }

  private final Builder setup;
  private final ProcessorService[] slots;
  private EmbeddedKafka broker;
  private EmbeddedKafkaCluster brokers;
  private KafkaSettings kafka;
  private Optional<Replication> replication = Optional.empty();
  private DurableSchemas schemas;
  private Map<TopicPartition, Long> completionsWrittenBefore = Map.of();
  private BatcherService batcher;
  private JobsService jobs;
  private EmbeddedConnect connect;
  private boolean closed;

  private DevCluster(Builder setup) {
    this.setup = setup;
    this.slots = new ProcessorService[setup.processors.size()];
  }

  private synchronized void startAll() throws InterruptedException {
    if (setup.external != null) {
      kafka = setup.external;
    } else if (setup.embedded != null) {
      broker = setup.embedded.defaultPartitions(setup.partitions).start();
      kafka = setup.clientSettings.apply(broker.clientProperties());
      replication = Optional.of(Replication.forBrokers(1));
    } else {
      brokers =
          EmbeddedKafkaCluster.builder()
              .brokers(setup.brokers)
              .controllers(setup.controllers)
              .defaultPartitions(setup.partitions)
              .start();
      kafka = setup.clientSettings.apply(brokers.clientProperties());
      replication = Optional.of(Replication.forBrokers(setup.brokers));
    }
    if (setup.streamsDir != null) {
      kafka = KafkaSettings.of(kafka.with(Map.of("state.dir", setup.streamsDir.toString())));
      List<String> groups = new ArrayList<>();
      if (setup.batcher != null) {
        groups.add(setup.batcher.applicationId());
        groups.add(JobsTopology.APPLICATION_ID);
      }
      setup.processors.forEach(p -> groups.add(p.groupId()));
      DeadMembers.remove(kafka, groups.stream().distinct().toList());
    }
    // every topic, the sink's dead-letter topic included: made here, not by the services or the
    // Connect worker, so that readers can assign their partitions from the start
    TopicAdmin.ensurePipelineTopics(kafka, setup.partitions, replication);
    if (setup.streamsDir != null) {
      schemas = DurableSchemas.openIfInProcess(kafka);
    }
    // before any service of this process writes: what lies below was answered by earlier ones
    completionsWrittenBefore = EarlierWrites.of(kafka, Topics.COMPLETIONS);
    if (setup.batcher != null) {
      batcher = startBatcher();
      if (setup.jobs) {
        jobs = JobsService.start(kafka);
      }
    }
    for (int i = 0; i < slots.length; i++) {
      slots[i] = ProcessorService.start(setup.processors.get(i), kafka, setup.meters);
    }
    if (setup.sink != null) {
      connect = startSink(setup.sink);
    }
    if (batcher != null && !batcher.awaitRunning(START_TIMEOUT)) {
      throw new IllegalStateException("the batcher did not start: " + batcher.state());
    }
  }

  /** The embedded brokers' client properties with an in-process registry of this cluster's own. */
  private static KafkaSettings withOwnRegistry(Map<String, Object> brokerClientProperties) {
    Map<String, Object> m = new HashMap<>(brokerClientProperties);
    m.put("schema.registry.url", "mock://devcluster-" + UUID.randomUUID());
    return KafkaSettings.of(m);
  }

  public KafkaSettings kafka() {
    return kafka;
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  /**
   * Copies of every topic: empty on a given cluster (its defaults), else one per broker up to 3.
   */
  public Optional<Replication> replication() {
    return replication;
  }

  /**
   * The end offsets of {@code llm.completions} when this cluster started: completions below them
   * were committed by an earlier process (a resumed job), those above by this one.
   */
  public Map<TopicPartition, Long> completionsWrittenBefore() {
    return completionsWrittenBefore;
  }

  /** The processors running now, slot by slot. */
  public synchronized List<ProcessorService> processors() {
    return List.of(slots);
  }

  public synchronized BatcherService batcher() {
    return batcher;
  }

  /** The job's figures so far, from the jobs topic (empty until the aggregation has published). */
  public Optional<JobStatus> jobStatus(String jobId) {
    return JobStatusReader.latest(kafka, jobId, Duration.ofSeconds(10));
  }

  /** Null while every service runs, else what stopped. */
  public synchronized String failure() {
    if (batcher != null && batcherStopped()) {
      return "the batcher stopped (" + batcher.state() + ")";
    }
    for (ProcessorService p : slots) {
      if (!p.isRunning()) {
        return "processor "
            + p.config().instanceId()
            + " stopped"
            + (p.failure() == null ? "" : ": " + p.failure().getMessage());
      }
    }
    if (setup.sink != null && (connect == null || !connect.isRunning())) {
      return "the Connect worker is not running";
    }
    return sinkFailure();
  }

  private boolean batcherStopped() {
    KafkaStreams.State s = batcher.state();
    return s == KafkaStreams.State.ERROR
        || s == KafkaStreams.State.NOT_RUNNING
        || s == KafkaStreams.State.PENDING_SHUTDOWN
        || s == KafkaStreams.State.PENDING_ERROR;
  }

  /**
   * Kills processor {@code slot} abruptly (no commit, no close) and starts its replacement under
   * the same instance id.
   */
  public synchronized void replaceProcessor(int slot) {
    requireOpen();
    slots[slot].kill();
    slots[slot] = ProcessorService.start(setup.processors.get(slot), kafka, setup.meters);
  }

  /**
   * Stops every processor at once, as a crash would: no commit; their open work is redone by the
   * next ones.
   */
  public synchronized void killProcessors() {
    for (ProcessorService p : slots) {
      p.kill();
    }
  }

  /** Closes the batcher and starts it again (after it stopped on its own). */
  public synchronized void restartBatcher() {
    requireOpen();
    batcher.close();
    batcher = startBatcher();
  }

  /**
   * Null while the sink connector and its tasks run (or there is no sink), else the first failure's
   * first line.
   */
  public synchronized String sinkFailure() {
    if (connect == null || !connect.isRunning()) {
      return null;
    }
    try {
      ConnectorStateInfo info = connect.status(SINK_CONNECTOR);
      if ("FAILED".equals(info.connector().state())) {
        return "connector failed: " + OneLine.of(info.connector().trace());
      }
      return info.tasks().stream()
          .filter(t -> "FAILED".equals(t.state()))
          .map(t -> "task " + t.id() + " failed: " + OneLine.of(t.trace()))
          .findFirst()
          .orElse(null);
    } catch (RuntimeException e) {
      return null; // not created yet, or the worker is between states: nothing to report
    }
  }

  /**
   * Stops the Connect worker gracefully and starts it again; its connector resumes from its
   * committed offsets.
   */
  public synchronized void restartSink() {
    requireOpen();
    connect.stop();
    connect.start();
  }

  /** Kills the Connect worker (tasks cancelled, no offset commit) and starts it again. */
  public synchronized void killAndRestartSink() {
    requireOpen();
    connect.kill();
    connect.start();
  }

  /** Stops the Connect worker gracefully, so that the files hold everything it consumed. */
  public synchronized void stopSink() {
    if (connect != null) {
      connect.stop();
    }
  }

  /**
   * Stops the in-process broker and starts it again on the same port and data; clients reconnect.
   */
  public synchronized void restartBroker() {
    requireOpen();
    if (broker == null) {
      throw new IllegalStateException(
          "only the single in-process broker restarts; a replicated cluster's brokers are "
              + "killed one at a time");
    }
    broker.restart();
  }

  /** The broker ids of a replicated cluster (empty otherwise). */
  public List<Integer> brokerIds() {
    return brokers == null ? List.of() : brokers.brokerIds();
  }

  /** SIGKILLs broker {@code id} of the replicated cluster. */
  public synchronized void killBroker(int id) {
    requireOpen();
    brokers.kill(id);
  }

  /** Starts a killed broker again on its data; returns at once. */
  public synchronized void launchBroker(int id) {
    requireOpen();
    brokers.launch(id);
  }

  public boolean brokerRunning(int id) {
    return brokers != null && brokers.isRunning(id);
  }

  /** Waits until broker {@code id} serves again; not synchronized, as that takes a while. */
  public void awaitBroker(int id, Duration timeout) {
    brokers.awaitRunning(id, timeout);
  }

  private BatcherService startBatcher() {
    BatcherService b = BatcherService.create(setup.batcher, kafka, setup.meters);
    b.start();
    return b;
  }

  private EmbeddedConnect startSink(Sink sink) {
    Map<String, String> c = new HashMap<>();
    c.put("name", SINK_CONNECTOR);
    c.put("connector.class", CompletionSinkConnector.class.getName());
    c.put("tasks.max", Integer.toString(sink.tasks()));
    c.put("topics", Topics.COMPLETIONS);
    c.put(CompletionSinkConfig.OUTPUT_DIR, sink.outputDir().toAbsolutePath().toString());
    c.put(CompletionSinkConfig.FLUSH_MAX_RECORDS, Integer.toString(sink.flushMaxRecords()));
    c.put("consumer.override.isolation.level", "read_committed");
    c.put("consumer.override.auto.offset.reset", "earliest");
    // as the shipped connector config: what the sink cannot read goes to its dead-letter topic
    c.put("errors.tolerance", "all");
    c.put("errors.deadletterqueue.topic.name", Topics.COMPLETIONS_DEAD_LETTER);
    replication.ifPresent(
        r ->
            c.put("errors.deadletterqueue.topic.replication.factor", Integer.toString(r.factor())));
    c.put("errors.deadletterqueue.context.headers.enable", "true");
    EmbeddedConnect worker =
        EmbeddedConnect.builder(kafka.bootstrapServers())
            .workerProperties(workerSettings(kafka))
            .workerProperty(
                "value.converter.schema.registry.url",
                String.valueOf(kafka.asMap().get("schema.registry.url")))
            .workerProperty("offset.flush.interval.ms", "1000")
            // a killed worker's consumers leave no trace for longer than this
            .workerProperty("consumer.session.timeout.ms", "10000")
            .workerProperty("consumer.heartbeat.interval.ms", "2000")
            .connector(c)
            .start();
    worker.awaitRunning(SINK_CONNECTOR, START_TIMEOUT);
    return worker;
  }

  /**
   * Client settings a worker understands (security included): everything but the registry URL, its
   * converter's own.
   */
  private static Map<String, String> workerSettings(KafkaSettings kafka) {
    Map<String, String> out = new HashMap<>();
    kafka
        .asMap()
        .forEach(
            (k, v) -> {
              if (!k.equals("schema.registry.url")) {
                out.put(k, String.valueOf(v));
              }
            });
    return out;
  }

  public synchronized boolean isClosed() {
    return closed;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the development cluster is closed");
    }
  }

  /** Stops everything that started, the last started first. */
  @Override
  public synchronized void close() {
    closed = true;
    List<AutoCloseable> parts = new ArrayList<>();
    parts.add(connect);
    parts.addAll(Arrays.asList(slots));
    parts.addAll(Arrays.asList(jobs, batcher, schemas, broker, brokers));
    for (AutoCloseable part : parts) {
      if (part != null) {
        try {
          part.close();
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new IllegalStateException("cannot stop " + part + ": " + e.getMessage(), e);
        }
      }
    }
  }
}
