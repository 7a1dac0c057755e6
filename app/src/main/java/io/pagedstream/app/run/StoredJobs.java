package io.pagedstream.app.run;

import io.pagedstream.batcher.jobs.JobStatusReader;
import io.pagedstream.devcluster.DurableSchemas;
import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.avro.JobStatus;
import io.pagedstream.schemas.registry.SchemaRegistryConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Reads a job's status out of a data directory without generating anything: with the directory
 * idle, a broker is started on it (no batcher, no processors) just long enough to read; while a
 * {@code run} holds it, that run's broker is asked instead.
 *
 * <pre>
 *   DIR idle:   broker on DIR/kafka -> [_schemas] -> registry; [llm.jobs] -> status
 *   DIR in use: DIR/broker.address -> the running broker -> the same reads
 * </pre>
 */
public final class StoredJobs {

  private StoredJobs() {}

  public static Optional<JobStatus> status(
      Path dir, String jobId, String creator, Duration timeout) {
    if (!DataDir.exists(dir)) {
      throw new DataDirException(
          "no pagedstream data directory at " + dir.toAbsolutePath().normalize());
    }
    DataDir data;
    try {
      data = DataDir.open(dir, creator);
    } catch (DataDirException e) {
      if (!e.inUse()) {
        throw e;
      }
      String address = DataDir.brokerAddress(dir).orElseThrow(() -> e);
      return read(Map.of("bootstrap.servers", address), jobId, timeout);
    }
    try (data;
        EmbeddedKafka broker = data.broker().start()) {
      return read(broker.clientProperties(), jobId, timeout);
    }
  }

  private static Optional<JobStatus> read(
      Map<String, Object> client, String jobId, Duration timeout) {
    Map<String, Object> m = new HashMap<>(client);
    m.put(SchemaRegistryConfig.URL, "mock://status-" + UUID.randomUUID());
    KafkaSettings kafka = KafkaSettings.of(m);
    try (DurableSchemas schemas = DurableSchemas.openIfInProcess(kafka)) {
      return JobStatusReader.latest(kafka, jobId, timeout);
    }
  }
}
