package io.pagedstream.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pagedstream.app.run.CompletionCollector;
import io.pagedstream.processor.ProcessorService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What one {@code run} process did, for {@code run --stats}. A resumed job counts only this
 * process's work as generated: {@code output_tokens} are the tokens its processors generated, and
 * {@code resumed_results} the results an earlier process had already committed.
 */
record RunStats(String jobId, int requests, int results, int errors, int cached, int resumedResults,
    long generatedCompletions, long outputTokens, double elapsedSeconds) {

  RunStats {
    if (requests < 0 || results < 0 || resumedResults < 0 || resumedResults > results || outputTokens < 0) {
      throw new IllegalArgumentException("inconsistent run statistics");
    }
  }

  static RunStats of(String jobId, int requests, CompletionCollector.Outcome outcome, List<ProcessorService> processors,
      double elapsedSeconds) {
    long completions = 0;
    long tokens = 0;
    for (ProcessorService p : processors) {
      completions += p.stats().completionsCommitted();
      tokens += p.stats().outputTokens();
    }
    return new RunStats(jobId, requests, outcome.results(), outcome.errors(), outcome.cached(), outcome.earlierResults(),
        completions, tokens, elapsedSeconds);
  }

  ObjectNode toJson() {
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("job_id", jobId);
    o.put("requests", requests);
    o.put("results", results);
    o.put("errors", errors);
    o.put("cached", cached);
    o.put("resumed_results", resumedResults);
    o.put("generated_completions", generatedCompletions);
    o.put("output_tokens", outputTokens);
    o.put("elapsed_s", elapsedSeconds);
    o.put("output_tokens_per_second", outputTokens / Math.max(elapsedSeconds, 1e-9));
    return o;
  }

  void write(Path file) throws IOException {
    Files.writeString(file, toJson().toPrettyString() + "\n");
  }
}
