package io.pagedstream.ingest;

import io.pagedstream.core.request.ParsedLine;
import io.pagedstream.core.request.PromptRequest;
import io.pagedstream.core.request.RequestValidator;
import io.pagedstream.core.request.ResponseFormat;
import io.pagedstream.core.request.ResultIds;
import io.pagedstream.core.request.TokenIds;
import io.pagedstream.schemas.Completions;
import io.pagedstream.schemas.RequestRecords;
import io.pagedstream.schemas.avro.ChatTurn;
import io.pagedstream.schemas.avro.GenerationRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Turns each input line, or request, into exactly one serialized record: its {@code
 * GenerationRequest} for the batcher, or its error {@code Completion} when the line is not a
 * request, its id is unusable or taken ({@link ResultIds}), a model-free check fails ({@link
 * RequestValidator#modelFreeProblem}), or the record would be too large for the topic (which would
 * otherwise fail the whole transaction, not just this line).
 *
 * <pre>
 * line ─► ResultIds ─► id problem? ─► error Completion ─► completions topic
 *            │   └─ not a request (ParsedLine.Failed) ─┘
 *            └─► RequestValidator.modelFreeProblem ─► GenerationRequest ─► requests topic
 *                       └─ problem, or too large ─► error Completion ─► completions topic
 * </pre>
 *
 * Lines must come to {@link #route} in order, each once; the routing of a line depends only on the
 * lines before it, so a resumed run routes the same input the same way.
 */
final class LineRouter {

  /** Room for the record batch header, the record's own framing and the key's length prefix. */
  static final int RECORD_OVERHEAD_BYTES = 512;

  private final Serializer<SpecificRecord> serializer;
  private final TopicNames topics;
  private final int maxRecordBytes;
  private final Clock clock;
  private final String jobId;
  private final ResultIds ids = new ResultIds();

  /**
   * @param maxRecordBytes the smaller of the producer's max.request.size and the topics'
   *     max.message.bytes
   * @param jobId the job of requests that name none
   */
  LineRouter(
      Serializer<SpecificRecord> serializer,
      TopicNames topics,
      int maxRecordBytes,
      Clock clock,
      String jobId) {
    this.serializer = serializer;
    this.topics = topics;
    this.maxRecordBytes = maxRecordBytes;
    this.clock = clock;
    this.jobId = jobId;
  }

  /**
   * Claims the line's result id without building a record: for lines an earlier run already wrote.
   */
  void replay(long number, ParsedLine line) {
    ids.resolve(number, line);
  }

  /** Line {@code number} of an input, its id kept unique within the input. */
  Outbound route(long number, ParsedLine line) {
    return route(ids.resolve(number, line), line);
  }

  /** A line on its own, its id not checked against other lines' ({@link ResultIds#alone}). */
  Outbound routeAlone(long number, ParsedLine line) {
    return route(ResultIds.alone(number, line), line);
  }

  private Outbound route(ResultIds.Resolved resolved, ParsedLine line) {
    if (resolved.problem() != null) {
      return error(resolved.id(), jobId, resolved.problem(), 0, line.format());
    }
    if (line instanceof ParsedLine.Failed failed) {
      return error(resolved.id(), jobId, failed.error(), 0, failed.format());
    }
    return request(((ParsedLine.Ok) line).request());
  }

  /**
   * The request for the batcher, or its error result. The id must be usable ({@link
   * RequestValidator#idProblem}).
   */
  Outbound request(PromptRequest r) {
    String job = r.jobId() == null || r.jobId().isBlank() ? jobId : r.jobId();
    Optional<String> problem = RequestValidator.modelFreeProblem(r);
    if (problem.isPresent()) {
      // a job id too long to use is replaced by the default, so the error itself can be written
      String errorJob = job.length() > RequestValidator.MAX_ID_CHARS ? jobId : job;
      return error(r.id(), errorJob, problem.get(), r.knownPromptTokens(), r.format());
    }
    byte[] value = serializer.serialize(topics.requests(), avro(r, job, clock.millis()));
    int size =
        value.length + r.id().getBytes(StandardCharsets.UTF_8).length + RECORD_OVERHEAD_BYTES;
    if (size > maxRecordBytes) {
      return error(
          r.id(),
          job,
          "request is "
              + value.length
              + " bytes, more than the "
              + (maxRecordBytes - RECORD_OVERHEAD_BYTES)
              + " bytes a record of "
              + topics.requests()
              + " may hold",
          r.knownPromptTokens(),
          r.format());
    }
    return new Outbound(topics.requests(), r.id(), job, value, null);
  }

  /**
   * An error result, in the default job, for request {@code id} that failed before it could be
   * sent.
   */
  Outbound error(String id, String message) {
    return error(id, jobId, message, 0, ResponseFormat.NATIVE);
  }

  private Outbound error(
      String id, String job, String message, int promptTokens, ResponseFormat format) {
    var completion =
        Completions.error(id, job, message, promptTokens, format, clock.millis()).build();
    byte[] value = serializer.serialize(topics.completions(), completion);
    return new Outbound(topics.completions(), id, job, value, completion.getError());
  }

  /**
   * The request as it goes to {@code llm.requests}. Token ids win over text (the batcher's rule
   * too), so only one of the two is written: the other would be dead weight on every replica.
   */
  private static GenerationRequest avro(PromptRequest r, String jobId, long submittedAtMs) {
    GenerationRequest.Builder b =
        RequestRecords.set(
                GenerationRequest.newBuilder().setId(r.id()).setJobId(jobId),
                r.params(),
                r.format())
            .setSubmittedAtMs(submittedAtMs);
    if (r.isChat()) {
      // the batcher renders them with the model's chat template: only it knows the model
      b.setMessages(
              r.messages().stream()
                  .map(
                      m ->
                          ChatTurn.newBuilder()
                              .setRole(m.role().wireName())
                              .setContent(m.content())
                              .setTextParts(m.textParts())
                              .build())
                  .toList())
          .setPrompt(null)
          .setPromptTokenIds(null);
      return b.build();
    }
    if (r.promptTokenIds() != null) {
      b.setPromptTokenIds(TokenIds.toList(r.promptTokenIds())).setPrompt(null);
    } else {
      b.setPrompt(r.prompt()).setPromptTokenIds(null);
    }
    return b.build();
  }
}
