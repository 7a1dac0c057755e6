package io.pagedstream.app.run;

import io.micrometer.core.instrument.MeterRegistry;
import io.pagedstream.batcher.BatcherConfig;
import io.pagedstream.batcher.BatcherService;
import io.pagedstream.batcher.jobs.JobStatusReader;
import io.pagedstream.batcher.jobs.JobsTopology;
import io.pagedstream.batcher.jobs.JobsService;
import io.pagedstream.schemas.avro.JobStatus;
import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.processor.ProcessorConfig;
import io.pagedstream.processor.ProcessorService;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.Replication;
import io.pagedstream.schemas.TopicAdmin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The pipeline's services in this process: an embedded broker unless one was given, the topics,
 * the batcher and N processors. Used by {@code run} and {@code demo}; on a real cluster each
 * service runs as its own process instead ({@code batcher}, {@code processor}).
 */
public final class LocalPipeline implements AutoCloseable {

  private final EmbeddedKafka broker;
  private final KafkaSettings kafka;
  private final BatcherService batcher;
  private final List<ProcessorService> processors = new ArrayList<>();
  private JobsService jobs;
  private DurableSchemas durableSchemas;
  private java.util.Map<org.apache.kafka.common.TopicPartition, Long> completionsWrittenBefore = java.util.Map.of();

  private LocalPipeline(EmbeddedKafka broker, KafkaSettings kafka, BatcherService batcher) {
    this.broker = broker;
    this.kafka = kafka;
    this.batcher = batcher;
  }

  /**
   * @param kafkaFor the client settings, given the embedded broker's client properties (null on a
   *     real cluster)
   */
  public static LocalPipeline start(boolean embedded, int partitions, Function<java.util.Map<String, Object>, KafkaSettings> kafkaFor,
      BatcherConfig batcherConfig, List<ProcessorConfig> processorConfigs, MeterRegistry meters) throws InterruptedException {
    return start(embedded, null, partitions, kafkaFor, batcherConfig, processorConfigs, meters);
  }

  /**
   * As above; with a {@code dataDir} (embedded only) the broker keeps its log there and the
   * in-process registry its schemas in the broker's {@code _schemas} topic, so a later process
   * on the same directory carries on with what this one committed.
   */
  public static LocalPipeline start(boolean embedded, DataDir dataDir, int partitions,
      Function<java.util.Map<String, Object>, KafkaSettings> kafkaFor, BatcherConfig batcherConfig,
      List<ProcessorConfig> processorConfigs, MeterRegistry meters) throws InterruptedException {
    if (dataDir != null && !embedded) {
      throw new IllegalArgumentException("a data directory is for the embedded broker; a cluster keeps its own data");
    }
    EmbeddedKafka broker = null;
    if (embedded) {
      var builder = dataDir != null ? dataDir.broker() : EmbeddedKafka.builder();
      broker = builder.defaultPartitions(partitions).start();
    }
    LocalPipeline p = null;
    DurableSchemas schemas = null;
    try {
      if (dataDir != null) {
        dataDir.recordBrokerAddress(broker.bootstrapServers());
      }
      KafkaSettings kafka = kafkaFor.apply(broker == null ? null : broker.clientProperties());
      if (dataDir != null) {
        // Kafka Streams keeps its process id there: the restarted batcher's transactional ids are
        // the dead one's, so its open transactions are fenced at once instead of timing out
        kafka = KafkaSettings.of(kafka.with(java.util.Map.of("state.dir", dataDir.streamsDir().toString())));
        List<String> groups = new ArrayList<>(List.of(batcherConfig.applicationId(), JobsTopology.APPLICATION_ID));
        processorConfigs.forEach(c -> groups.add(c.groupId()));
        DeadMembers.remove(kafka, groups.stream().distinct().toList());
      }
      TopicAdmin.ensurePipelineTopics(kafka, partitions,
          broker == null ? Optional.empty() : Optional.of(Replication.forBrokers(1)));
      schemas = dataDir == null ? null : DurableSchemas.openIfInProcess(kafka);
      // before any service of this process writes: what lies below was answered by earlier ones
      var before = EarlierWrites.of(kafka, io.pagedstream.schemas.Topics.COMPLETIONS);
      BatcherService batcher = BatcherService.create(batcherConfig, kafka, meters);
      p = new LocalPipeline(broker, kafka, batcher);
      p.durableSchemas = schemas;
      p.completionsWrittenBefore = before;
      batcher.start();
      p.jobs = JobsService.start(kafka);
      for (ProcessorConfig c : processorConfigs) {
        p.processors.add(ProcessorService.start(c, kafka, meters));
      }
      if (!batcher.awaitRunning(Duration.ofMinutes(2))) {
        throw new IllegalStateException("the batcher did not start: " + batcher.state());
      }
      return p;
    } catch (RuntimeException | InterruptedException e) {
      if (p != null) {
        p.close();
      } else {
        if (schemas != null) {
          schemas.close();
        }
        if (broker != null) {
          broker.close();
        }
      }
      throw e;
    }
  }

  public KafkaSettings kafka() {
    return kafka;
  }

  /**
   * The end offsets of {@code llm.completions} when this pipeline started: completions below them
   * were committed by an earlier process (a resumed job), those above by this one.
   */
  public java.util.Map<org.apache.kafka.common.TopicPartition, Long> completionsWrittenBefore() {
    return completionsWrittenBefore;
  }

  public List<ProcessorService> processors() {
    return processors;
  }

  public BatcherService batcher() {
    return batcher;
  }

  /** Null while every service runs, else what stopped. */
  public String failure() {
    KafkaStreams.State s = batcher.state();
    if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING || s == KafkaStreams.State.PENDING_SHUTDOWN) {
      return "the batcher stopped (" + s + ")";
    }
    for (ProcessorService p : processors) {
      if (!p.isRunning()) {
        return "processor " + p.config().instanceId() + " stopped"
            + (p.failure() == null ? "" : ": " + p.failure().getMessage());
      }
    }
    return null;
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  /** The job's figures so far, from the jobs topic (empty until the aggregation has published). */
  public java.util.Optional<JobStatus> jobStatus(String jobId) {
    return JobStatusReader.latest(kafka, jobId, Duration.ofSeconds(10));
  }

  /** Stops the processors at once, as a crash would: no commit, open work is redone later. */
  public void killProcessors() {
    processors.forEach(ProcessorService::kill);
  }

  @Override
  public void close() {
    processors.forEach(ProcessorService::close);
    if (jobs != null) {
      jobs.close();
    }
    batcher.close();
    if (durableSchemas != null) {
      durableSchemas.close();
    }
    if (broker != null) {
      broker.close();
    }
  }
}
