package io.pagedstream.batcher.jobs;

import io.pagedstream.schemas.KafkaClientSettings;
import io.pagedstream.schemas.KafkaSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/** Runs the jobs aggregation ({@link JobsTopology}) as its own Kafka Streams application. */
public final class JobsService implements AutoCloseable {

  private final KafkaStreams streams;
  private volatile Throwable failure;

  private JobsService(KafkaStreams streams) {
    this.streams = streams;
    // Kafka Streams' default response, recording why, so that the caller can say it
    streams.setUncaughtExceptionHandler(
        e -> {
          failure = e;
          return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
  }

  public static JobsService start(KafkaSettings kafka) {
    Map<String, Object> s =
        KafkaClientSettings.streams(kafka, JobsTopology.APPLICATION_ID)
            .with(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest")
            .with(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true)
            // progress, not a ledger: publish a job's figures at least every second
            .withDefault(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000)
            .withDefault(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0)
            .build();
    s.computeIfAbsent(
        StreamsConfig.STATE_DIR_CONFIG,
        k -> {
          try {
            return Files.createTempDirectory("pagedstream-jobs-state-").toString();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
    Properties p = new Properties();
    p.putAll(s);
    JobsService service = new JobsService(new KafkaStreams(JobsTopology.build(kafka.asMap()), p));
    service.streams.start();
    return service;
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  /** What stopped the aggregation (e.g. missing ACLs), or null. */
  public Throwable failure() {
    return failure;
  }

  @Override
  public void close() {
    streams.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
  }
}
