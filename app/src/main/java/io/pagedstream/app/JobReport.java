package io.pagedstream.app;

import io.pagedstream.schemas.avro.JobStatus;
import java.util.Locale;

/** A job's status for people and for scripts. */
final class JobReport {

  private JobReport() {}

  static String text(JobStatus s) {
    double seconds = elapsedSeconds(s);
    return String.format(
        Locale.ROOT,
        "job %s: %d submitted (%d re-submissions skipped), %d completed (%d failed, %d from the response cache), "
            + "%d prompt + %d output tokens, %.1f s, %.1f output tok/s",
        s.getJobId(),
        s.getSubmitted(),
        s.getResubmitted(),
        s.getCompleted(),
        s.getFailed(),
        s.getCached(),
        s.getPromptTokens(),
        s.getOutputTokens(),
        seconds,
        seconds > 0 ? s.getOutputTokens() / seconds : 0);
  }

  static String json(JobStatus s) {
    var o = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    o.put("job_id", s.getJobId());
    o.put("submitted", s.getSubmitted());
    o.put("resubmitted", s.getResubmitted());
    o.put("completed", s.getCompleted());
    o.put("failed", s.getFailed());
    o.put("cached", s.getCached());
    o.put("pending", Math.max(0, s.getSubmitted() - s.getCompleted()));
    o.put("prompt_tokens", s.getPromptTokens());
    o.put("output_tokens", s.getOutputTokens());
    double seconds = elapsedSeconds(s);
    o.put("elapsed_s", seconds);
    o.put("output_tokens_per_second", seconds > 0 ? s.getOutputTokens() / seconds : 0);
    return o.toString();
  }

  private static double elapsedSeconds(JobStatus s) {
    return s.getFirstSubmittedMs() > 0 && s.getLastCompletedMs() > s.getFirstSubmittedMs()
        ? (s.getLastCompletedMs() - s.getFirstSubmittedMs()) / 1000.0
        : 0;
  }
}
