package io.pagedstream.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Locale;

/**
 * What one ingest run did. Every input line is counted once: {@code lines = requests + errors +
 * resumedLines}.
 *
 * @param transactionalId null when the run was not transactional
 * @param lines input lines read, including those an earlier run had committed
 * @param requests requests this run wrote to the requests topic
 * @param errors error results this run wrote to the completions topic
 * @param resumedLines lines skipped because an earlier run with the same transactional id had
 *     committed them
 * @param chunks transactions committed (0 when not transactional)
 */
public record IngestSummary(
    String jobId,
    String transactionalId,
    String source,
    long lines,
    long requests,
    long errors,
    long resumedLines,
    long chunks,
    Duration elapsed) {

  /** One line for people, e.g. at the end of the ingest command. */
  public String describe() {
    String resumed =
        resumedLines > 0 ? " (" + resumedLines + " already committed by an earlier run)" : "";
    return String.format(
        Locale.ROOT,
        "job %s: %d lines from %s -> %d requests, %d error results%s in %.2f s",
        jobId,
        lines,
        source,
        requests,
        errors,
        resumed,
        elapsed.toNanos() / 1e9);
  }

  /** One JSON line for scripts, e.g. to capture the generated job id. */
  public String toJson() {
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("job_id", jobId);
    if (transactionalId != null) {
      o.put("transactional_id", transactionalId);
    }
    o.put("source", source);
    o.put("lines", lines);
    o.put("requests", requests);
    o.put("errors", errors);
    o.put("resumed_lines", resumedLines);
    o.put("chunks", chunks);
    o.put("elapsed_s", elapsed.toNanos() / 1e9);
    return o.toString();
  }
}
