package io.pagedstream.app.chaos;

import io.pagedstream.app.run.PipelineTopics;
import io.pagedstream.batcher.BatcherConfig;
import io.pagedstream.batcher.BatcherService;
import io.pagedstream.core.OneLine;
import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.kafka.embedded.EmbeddedKafkaCluster;
import io.pagedstream.processor.ProcessorConfig;
import io.pagedstream.processor.ProcessorService;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.Replication;
import io.pagedstream.schemas.Topics;
import io.pagedstream.sink.CompletionSinkConfig;
import io.pagedstream.sink.CompletionSinkConnector;
import io.pagedstream.sink.EmbeddedConnect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole pipeline in this process, built to be hurt: an embedded broker (or a replicated
 * cluster of brokers in JVMs of their own), the batcher, N processor slots and a Connect worker
 * running the JSONL sink. Faults are methods ({@link #killProcessor}, {@link
 * #killAndRestartConnect}, {@link #restartBroker}, {@link #killBroker}); {@link #supervise}
 * restarts whatever stopped on its own, as an orchestrator would, and says what it restarted.
 * Every method is synchronized: the fault schedule and the final shutdown must not interleave.
 */
public final class ChaosCluster implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ChaosCluster.class);
  static final String CONNECTOR = "chaos-completions-jsonl";
  /** Connect's own dead-letter topic for completions the sink cannot read (as in connect/*.properties). */
  public static final String SINK_DEAD_LETTER = Topics.COMPLETIONS_DEAD_LETTER;
  private static final Duration START_TIMEOUT = Duration.ofMinutes(2);

  /**
   * What the cluster runs.
   *
   * @param brokers 1 for the in-process broker, more for a replicated cluster
   * @param controllers the controller quorum of a replicated cluster: 1 or 3
   */
  public record Setup(int partitions, BatcherConfig batcher, List<ProcessorConfig> processors, Path sinkDir,
      int brokers, int controllers) {
    public Setup {
      if (brokers < 1) {
        throw new IllegalArgumentException("--brokers must be at least 1, got " + brokers);
      }
    }

    /** On the in-process broker. */
    public Setup(int partitions, BatcherConfig batcher, List<ProcessorConfig> processors, Path sinkDir) {
      this(partitions, batcher, processors, sinkDir, 1, 1);
    }
  }

  private final Setup setup;
  /** The in-process broker of a one-broker run, else null. */
  private final EmbeddedKafka broker;
  /** The brokers of a replicated run, else null. */
  private final EmbeddedKafkaCluster brokers;
  private final KafkaSettings kafka;
  private final ProcessorService[] slots;
  private BatcherService batcher;
  private EmbeddedConnect connect;
  private volatile boolean closed;

  private ChaosCluster(Setup setup, EmbeddedKafka broker, EmbeddedKafkaCluster brokers, KafkaSettings kafka) {
    this.setup = setup;
    this.broker = broker;
    this.brokers = brokers;
    this.kafka = kafka;
    this.slots = new ProcessorService[setup.processors().size()];
  }

  /** Starts everything and waits until the batcher and the sink run. */
  public static ChaosCluster start(Setup setup) throws InterruptedException {
    ChaosCluster c;
    if (setup.brokers() == 1) {
      EmbeddedKafka broker = EmbeddedKafka.builder().defaultPartitions(setup.partitions()).start();
      c = new ChaosCluster(setup, broker, null, settingsFor(broker.clientProperties()));
    } else {
      EmbeddedKafkaCluster brokers = EmbeddedKafkaCluster.builder().brokers(setup.brokers())
          .controllers(setup.controllers()).defaultPartitions(setup.partitions()).start();
      c = new ChaosCluster(setup, null, brokers, settingsFor(brokers.clientProperties()));
    }
    try {
      // every topic, the sink's dead-letter topic included: made here, not by the worker, so that
      // readers can assign its partitions from the start
      PipelineTopics.ensure(c.kafka, setup.partitions(), Optional.of(c.replication()));
      c.batcher = c.startBatcher();
      for (int i = 0; i < c.slots.length; i++) {
        c.slots[i] = ProcessorService.start(setup.processors().get(i), c.kafka);
      }
      c.connect = c.startConnect();
      if (!c.batcher.awaitRunning(START_TIMEOUT)) {
        throw new IllegalStateException("the batcher did not start: " + c.batcher.state());
      }
      return c;
    } catch (RuntimeException | InterruptedException e) {
      c.close();
      throw e;
    }
  }

  /**
   * Client settings: an in-process registry of this run's own, and a short session timeout so that
   * a killed member's partitions move on in seconds rather than the default 45.
   */
  private static KafkaSettings settingsFor(Map<String, Object> clientProperties) {
    Map<String, Object> m = new HashMap<>(clientProperties);
    m.put("schema.registry.url", "mock://chaos-" + UUID.randomUUID());
    m.put("session.timeout.ms", 6_000);
    m.put("heartbeat.interval.ms", 1_500);
    return KafkaSettings.of(m);
  }

  public KafkaSettings kafka() {
    return kafka;
  }

  public int processorCount() {
    return slots.length;
  }

  /** Kills slot {@code i} abruptly (no commit, no close) and starts its replacement under the same instance id. */
  public synchronized void killProcessor(int i) {
    requireOpen();
    slots[i].kill();
    slots[i] = ProcessorService.start(setup.processors().get(i), kafka);
  }

  /** Kills the Connect worker (tasks cancelled, no offset commit) and starts it again. */
  public synchronized void killAndRestartConnect() {
    requireOpen();
    connect.kill();
    connect.start();
  }

  /** Copies of every topic the cluster keeps: one on one broker, 3 (2 in sync) on three or more. */
  public Replication replication() {
    return Replication.forBrokers(setup.brokers());
  }

  /** Stops the in-process broker and starts it again on the same port and data; clients reconnect. */
  public synchronized void restartBroker() {
    requireOpen();
    if (broker == null) {
      throw new IllegalStateException("a replicated cluster's brokers are killed one at a time, not restarted");
    }
    broker.restart();
  }

  /** The broker ids of a replicated cluster (empty for the in-process broker, which cannot be killed). */
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

  /**
   * Restarts every service that stopped on its own since the last call (a processor whose loop
   * ended, a batcher in ERROR, a failed sink task) and returns one line per restart saying why.
   */
  public synchronized List<String> supervise() {
    List<String> restarted = new ArrayList<>();
    if (closed) {
      return restarted;
    }
    for (int i = 0; i < slots.length; i++) {
      if (!slots[i].isRunning()) {
        Throwable why = slots[i].failure();
        restarted.add("processor " + setup.processors().get(i).instanceId() + " stopped"
            + (why == null ? "" : ": " + OneLine.of(why)));
        slots[i].kill(); // releases the engine; the loop is over already
        slots[i] = ProcessorService.start(setup.processors().get(i), kafka);
      }
    }
    KafkaStreams.State s = batcher.state();
    if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING) {
      restarted.add("batcher stopped (" + s + ")");
      batcher.close();
      batcher = startBatcher();
    }
    String sinkFailure = sinkFailure();
    if (sinkFailure != null) {
      restarted.add("sink " + sinkFailure);
      connect.stop();
      connect.start();
    }
    restarted.forEach(r -> LOG.warn("chaos supervisor restarted a service: {}", r));
    return restarted;
  }

  /** Stops the Connect worker gracefully, so that the files hold everything it consumed. */
  public synchronized void stopSink() {
    if (connect != null) {
      connect.stop();
    }
  }

  /** Null while every service runs, else what does not. */
  public synchronized String failure() {
    for (int i = 0; i < slots.length; i++) {
      if (!slots[i].isRunning()) {
        return "processor " + setup.processors().get(i).instanceId() + " is not running";
      }
    }
    KafkaStreams.State s = batcher.state();
    if (!s.isRunningOrRebalancing()) {
      return "the batcher is " + s;
    }
    if (connect == null || !connect.isRunning()) {
      return "the Connect worker is not running";
    }
    return sinkFailure();
  }

  private String sinkFailure() {
    if (connect == null || !connect.isRunning()) {
      return null;
    }
    try {
      ConnectorStateInfo info = connect.status(CONNECTOR);
      if ("FAILED".equals(info.connector().state())) {
        return "connector failed: " + OneLine.of(info.connector().trace());
      }
      return info.tasks().stream().filter(t -> "FAILED".equals(t.state()))
          .map(t -> "task " + t.id() + " failed: " + OneLine.of(t.trace())).findFirst().orElse(null);
    } catch (RuntimeException e) {
      return null; // not created yet, or the worker is between states: nothing to restart
    }
  }

  private BatcherService startBatcher() {
    BatcherService b = BatcherService.create(setup.batcher(), kafka, null);
    b.start();
    return b;
  }

  private EmbeddedConnect startConnect() {
    Map<String, String> c = new HashMap<>();
    c.put("name", CONNECTOR);
    c.put("connector.class", CompletionSinkConnector.class.getName());
    c.put("tasks.max", "2");
    c.put("topics", Topics.COMPLETIONS);
    c.put(CompletionSinkConfig.OUTPUT_DIR, setup.sinkDir().toAbsolutePath().toString());
    // many small commits, so that kills land between, during and after them
    c.put(CompletionSinkConfig.FLUSH_MAX_RECORDS, "64");
    c.put("consumer.override.isolation.level", "read_committed");
    // as the shipped connector config: what the sink cannot read goes to its dead-letter topic
    c.put("errors.tolerance", "all");
    c.put("errors.deadletterqueue.topic.name", SINK_DEAD_LETTER);
    c.put("errors.deadletterqueue.topic.replication.factor", Integer.toString(replication().factor()));
    c.put("errors.deadletterqueue.context.headers.enable", "true");
    EmbeddedConnect worker = EmbeddedConnect.builder(kafka.bootstrapServers())
        .workerProperty("value.converter.schema.registry.url", String.valueOf(kafka.asMap().get("schema.registry.url")))
        .workerProperty("offset.flush.interval.ms", "1000")
        // a killed worker's consumers leave no trace for longer than this
        .workerProperty("consumer.session.timeout.ms", "10000")
        .workerProperty("consumer.heartbeat.interval.ms", "2000")
        .connector(c)
        .start();
    worker.awaitRunning(CONNECTOR, START_TIMEOUT);
    return worker;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the chaos cluster is closed");
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (connect != null) {
      connect.close();
    }
    for (ProcessorService p : slots) {
      if (p != null) {
        p.close();
      }
    }
    if (batcher != null) {
      batcher.close();
    }
    if (broker != null) {
      broker.close();
    }
    if (brokers != null) {
      brokers.close();
    }
  }
}
