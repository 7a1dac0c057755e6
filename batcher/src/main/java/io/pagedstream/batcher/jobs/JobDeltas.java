package io.pagedstream.batcher.jobs;

import io.pagedstream.schemas.Completions;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.avro.JobStatus;

/** Contributions of single records to a job's status, and how they add up. */
final class JobDeltas {

  private JobDeltas() {}

  static JobStatus submission(GenerationRequest r, boolean first, long timestampMs) {
    return JobStatus.newBuilder()
        .setJobId(r.getJobId())
        .setSubmitted(first ? 1 : 0)
        .setResubmitted(first ? 0 : 1)
        .setFirstSubmittedMs(first ? timestampMs : 0)
        .build();
  }

  static JobStatus answer(Completion c, long timestampMs) {
    boolean error = Completions.isError(c);
    return JobStatus.newBuilder()
        .setJobId(c.getJobId())
        .setCompleted(1)
        .setFailed(error ? 1 : 0)
        .setCached(c.getCached() ? 1 : 0)
        .setPromptTokens(c.getPromptTokens())
        .setOutputTokens(c.getOutputTokens())
        .setLastCompletedMs(c.getCompletedAtMs() > 0 ? c.getCompletedAtMs() : timestampMs)
        .build();
  }

  static JobStatus add(JobStatus a, JobStatus b) {
    return JobStatus.newBuilder()
        .setJobId(a.getJobId())
        .setSubmitted(a.getSubmitted() + b.getSubmitted())
        .setResubmitted(a.getResubmitted() + b.getResubmitted())
        .setCompleted(a.getCompleted() + b.getCompleted())
        .setFailed(a.getFailed() + b.getFailed())
        .setCached(a.getCached() + b.getCached())
        .setPromptTokens(a.getPromptTokens() + b.getPromptTokens())
        .setOutputTokens(a.getOutputTokens() + b.getOutputTokens())
        .setFirstSubmittedMs(minPositive(a.getFirstSubmittedMs(), b.getFirstSubmittedMs()))
        .setLastCompletedMs(Math.max(a.getLastCompletedMs(), b.getLastCompletedMs()))
        .build();
  }

  private static long minPositive(long a, long b) {
    return a == 0 ? b : b == 0 ? a : Math.min(a, b);
  }
}
