package io.pagedstream.chaos;

import io.pagedstream.batcher.BatcherConfig;
import io.pagedstream.core.OneLine;
import io.pagedstream.devcluster.DevCluster;
import io.pagedstream.processor.ProcessorConfig;
import io.pagedstream.processor.ProcessorService;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.Replication;
import io.pagedstream.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole pipeline in this process, built to be hurt: a {@link DevCluster} (an in-process broker
 * or a replicated cluster of brokers in JVMs of their own, the batcher, N processor slots and a
 * Connect worker running the JSONL sink) with short session timeouts, whose faults ({@link
 * #killProcessor}, {@link #killAndRestartConnect}, {@link #restartBroker}, {@link #killBroker}) the
 * {@link FaultSchedule} calls; {@link #supervise} restarts whatever stopped on its own, as an
 * orchestrator would, and says what it restarted.
 */
public final class ChaosCluster implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ChaosCluster.class);

  /**
   * Connect's own dead-letter topic for completions the sink cannot read (as in
   * connect/*.properties).
   */
  public static final String SINK_DEAD_LETTER = Topics.COMPLETIONS_DEAD_LETTER;

  /** Many small sink commits, so that kills land between, during and after them. */
  private static final int SINK_FLUSH_RECORDS = 64;

  private static final int SINK_TASKS = 2;

  /**
   * What the cluster runs.
   *
   * @param brokers 1 for the in-process broker, more for a replicated cluster
   * @param controllers the controller quorum of a replicated cluster: 1 or 3
   */
  public record Setup(
      int partitions,
      BatcherConfig batcher,
      List<ProcessorConfig> processors,
      Path sinkDir,
      int brokers,
      int controllers) {
    public Setup {
      if (brokers < 1) {
        throw new IllegalArgumentException("--brokers must be at least 1, got " + brokers);
      }
    }

    /** On the in-process broker. */
    public Setup(
        int partitions, BatcherConfig batcher, List<ProcessorConfig> processors, Path sinkDir) {
      this(partitions, batcher, processors, sinkDir, 1, 1);
    }
  }

  private final DevCluster cluster;
  private final List<ProcessorConfig> processors;

  private ChaosCluster(DevCluster cluster, List<ProcessorConfig> processors) {
    this.cluster = cluster;
    this.processors = processors;
  }

  /** Starts everything and waits until the batcher and the sink run. */
  public static ChaosCluster start(Setup setup) throws InterruptedException {
    DevCluster.Builder b =
        DevCluster.builder()
            .partitions(setup.partitions())
            .clientSettings(ChaosCluster::settingsFor)
            .batcher(setup.batcher(), false)
            .processors(setup.processors())
            .sink(new DevCluster.Sink(setup.sinkDir(), SINK_FLUSH_RECORDS, SINK_TASKS));
    if (setup.brokers() > 1) {
      b.replicatedBrokers(setup.brokers(), setup.controllers());
    }
    return new ChaosCluster(b.start(), setup.processors());
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
    return cluster.kafka();
  }

  public int processorCount() {
    return processors.size();
  }

  /**
   * Kills slot {@code i} abruptly (no commit, no close) and starts its replacement under the same
   * instance id.
   */
  public void killProcessor(int i) {
    cluster.replaceProcessor(i);
  }

  /** Kills the Connect worker (tasks cancelled, no offset commit) and starts it again. */
  public void killAndRestartConnect() {
    cluster.killAndRestartSink();
  }

  /** Copies of every topic the cluster keeps: one on one broker, 3 (2 in sync) on three or more. */
  public Replication replication() {
    return cluster.replication().orElseThrow();
  }

  /**
   * Stops the in-process broker and starts it again on the same port and data; clients reconnect.
   */
  public void restartBroker() {
    cluster.restartBroker();
  }

  /**
   * The broker ids of a replicated cluster (empty for the in-process broker, which cannot be
   * killed).
   */
  public List<Integer> brokerIds() {
    return cluster.brokerIds();
  }

  /** SIGKILLs broker {@code id} of the replicated cluster. */
  public void killBroker(int id) {
    cluster.killBroker(id);
  }

  /** Starts a killed broker again on its data; returns at once. */
  public void launchBroker(int id) {
    cluster.launchBroker(id);
  }

  public boolean brokerRunning(int id) {
    return cluster.brokerRunning(id);
  }

  /** Waits until broker {@code id} serves again. */
  public void awaitBroker(int id, Duration timeout) {
    cluster.awaitBroker(id, timeout);
  }

  /**
   * Restarts every service that stopped on its own since the last call (a processor whose loop
   * ended, a batcher in ERROR, a failed sink task) and returns one line per restart saying why.
   * Synchronized on the cluster, so that the final shutdown does not interleave with it.
   */
  public List<String> supervise() {
    List<String> restarted = new ArrayList<>();
    synchronized (cluster) {
      if (cluster.isClosed()) {
        return restarted;
      }
      List<ProcessorService> slots = cluster.processors();
      for (int i = 0; i < slots.size(); i++) {
        if (!slots.get(i).isRunning()) {
          Throwable why = slots.get(i).failure();
          restarted.add(
              "processor "
                  + processors.get(i).instanceId()
                  + " stopped"
                  + (why == null ? "" : ": " + OneLine.of(why)));
          cluster.replaceProcessor(i); // kill() releases the engine; the loop is over already
        }
      }
      KafkaStreams.State s = cluster.batcher().state();
      if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING) {
        restarted.add("batcher stopped (" + s + ")");
        cluster.restartBatcher();
      }
      String sinkFailure = cluster.sinkFailure();
      if (sinkFailure != null) {
        restarted.add("sink " + sinkFailure);
        cluster.restartSink();
      }
    }
    restarted.forEach(r -> LOG.warn("chaos supervisor restarted a service: {}", r));
    return restarted;
  }

  /** Stops the Connect worker gracefully, so that the files hold everything it consumed. */
  public void stopSink() {
    cluster.stopSink();
  }

  /** Null while every service runs, else what does not. */
  public String failure() {
    return cluster.failure();
  }

  @Override
  public void close() {
    cluster.close();
  }
}
