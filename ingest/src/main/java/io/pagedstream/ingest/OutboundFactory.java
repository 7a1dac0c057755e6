package io.pagedstream.ingest;

import io.pagedstream.core.request.PromptRequest;
import io.pagedstream.core.request.ResponseFormat;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Decides what becomes of one request: a serialized {@code GenerationRequest}, or an error
 * {@code Completion} when a model-independent check fails or the record would be too large for
 * the topic (which would otherwise fail the whole transaction, not just this line).
 */
final class OutboundFactory {

  /** Room for the record batch header, the record's own framing and the key's length prefix. */
  static final int RECORD_OVERHEAD_BYTES = 512;

  private final Serializer<SpecificRecord> serializer;
  private final TopicNames topics;
  private final int maxRecordBytes;
  private final Clock clock;

  /** {@code maxRecordBytes}: the smaller of the producer's max.request.size and the topics' max.message.bytes. */
  OutboundFactory(Serializer<SpecificRecord> serializer, TopicNames topics, int maxRecordBytes, Clock clock) {
    this.serializer = serializer;
    this.topics = topics;
    this.maxRecordBytes = maxRecordBytes;
    this.clock = clock;
  }

  /**
   * The request for the batcher, or its error result. {@code defaultJobId} applies when the
   * request names no job of its own. The id must already be usable ({@link IngestChecks#idProblem}).
   */
  Outbound request(PromptRequest r, String defaultJobId) {
    String jobId = r.jobId() == null || r.jobId().isBlank() ? defaultJobId : r.jobId();
    Optional<String> problem = IngestChecks.requestProblem(r);
    if (problem.isPresent()) {
      // a job id too long to use is replaced by the default, so the error itself can be written
      String errorJob = jobId.length() > IngestChecks.MAX_ID_CHARS ? defaultJobId : jobId;
      return error(r.id(), errorJob, problem.get(), r.format());
    }
    byte[] value = serializer.serialize(topics.requests(),
        AvroRecords.request(r, jobId, clock.millis()));
    int size = value.length + r.id().getBytes(StandardCharsets.UTF_8).length + RECORD_OVERHEAD_BYTES;
    if (size > maxRecordBytes) {
      return error(r.id(), jobId, "request is " + value.length + " bytes, more than the "
          + (maxRecordBytes - RECORD_OVERHEAD_BYTES) + " bytes a record of " + topics.requests()
          + " may hold", r.format());
    }
    return new Outbound(topics.requests(), r.id(), jobId, value, null);
  }

  /** An error result for the completions topic, as a native result line. */
  Outbound error(String id, String jobId, String message) {
    return error(id, jobId, message, ResponseFormat.NATIVE);
  }

  /** An error result for the completions topic, written as {@code format} says (an OpenAI line's: a 400). */
  Outbound error(String id, String jobId, String message, ResponseFormat format) {
    String line = AvroRecords.oneLine(message);
    byte[] value = serializer.serialize(topics.completions(),
        AvroRecords.error(id, jobId, line, format, clock.millis()));
    return new Outbound(topics.completions(), id, jobId, value, line);
  }
}
