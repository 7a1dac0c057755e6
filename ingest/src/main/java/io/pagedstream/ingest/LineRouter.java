package io.pagedstream.ingest;

import io.pagedstream.core.request.ParsedLine;
import io.pagedstream.core.request.PromptRequest;

/**
 * Turns each parsed input line into exactly one record: its request, or its error result. Lines
 * must come in order, each once; the routing of a line depends only on the lines before it, so a
 * resumed run routes the same input the same way.
 */
final class LineRouter {

  private final OutboundFactory records;
  private final String jobId;
  private final ResultIds ids = new ResultIds();

  LineRouter(OutboundFactory records, String jobId) {
    this.records = records;
    this.jobId = jobId;
  }

  /** Claims the line's result id without building a record: for lines an earlier run already wrote. */
  void replay(long number, ParsedLine line) {
    ids.resolve(number, line);
  }

  Outbound route(long number, ParsedLine line) {
    ResultIds.Resolved resolved = ids.resolve(number, line);
    if (resolved.problem() != null) {
      return records.error(resolved.id(), jobId, resolved.problem(), line.format());
    }
    if (line instanceof ParsedLine.Failed failed) {
      return records.error(resolved.id(), jobId, failed.error(), failed.format());
    }
    PromptRequest r = ((ParsedLine.Ok) line).request();
    return records.request(r, jobId);
  }
}
