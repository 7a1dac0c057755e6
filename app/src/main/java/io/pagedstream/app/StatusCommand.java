package io.pagedstream.app;

import io.pagedstream.app.run.StoredJobs;
import io.pagedstream.batcher.jobs.JobStatusReader;
import io.pagedstream.schemas.avro.JobStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pagedstream status --job ID}: a job's progress from the jobs topic. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Show a job's progress: requests submitted, completed, failed, answered from the cache, tokens "
            + "and rate (from the compacted llm.jobs topic kept by the jobs aggregation). With --data-dir, of a job "
            + "that run keeps there, without generating anything (while the run goes on, or after it stopped).")
final class StatusCommand implements Callable<Integer> {

  @Option(names = "--job", required = true, description = "job id")
  String job;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  @Option(
      names = "--data-dir",
      description = "the data directory of run's embedded broker (instead of a cluster)")
  Path dataDir;

  @Mixin KafkaOptions kafka;

  @Override
  public Integer call() {
    if (dataDir != null && kafka.hasCluster()) {
      throw new IllegalArgumentException("give --data-dir or a cluster, not both");
    }
    Optional<JobStatus> status =
        dataDir != null
            ? StoredJobs.status(dataDir, job, Version.text(), Duration.ofSeconds(30))
            : JobStatusReader.latest(kafka.settings(), job, Duration.ofSeconds(30));
    if (status.isEmpty()) {
      System.err.println(
          "error: no job " + job + " in llm.jobs (no request of it was counted yet)");
      return 1;
    }
    System.out.println(json ? JobReport.json(status.get()) : JobReport.text(status.get()));
    return 0;
  }
}
