package io.pagedstream.processor;

import io.pagedstream.core.request.GenerationResult;
import io.pagedstream.core.request.ResponseFormat;
import io.pagedstream.core.text.TextTokenizer;
import io.pagedstream.engine.RequestOutput;
import io.pagedstream.schemas.Completions;
import io.pagedstream.schemas.RequestRecords;
import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.Completion;
import java.util.Optional;

/** Builds the {@code Completion} records this processor writes (through {@link Completions}). */
final class CompletionFactory {

  private final Optional<TextTokenizer> tokenizer;
  private final String processor;

  CompletionFactory(Optional<TextTokenizer> tokenizer, String processor) {
    this.tokenizer = tokenizer;
    this.processor = processor;
  }

  /** A generated result, or an engine error, for one request of a batch. */
  Completion from(BatchedRequest r, String batchId, RequestOutput o, long admittedAtMs) {
    int promptTokens = r.getPromptTokenIds().size();
    ResponseFormat format = RequestRecords.format(r);
    // like `generate`: text whenever the model has a tokenizer, whatever form the prompt came in
    GenerationResult result =
        o.isError()
            ? GenerationResult.error(r.getId(), o.error(), promptTokens, format)
            : GenerationResult.of(
                r.getId(),
                OutputChoices.of(o, tokenizer),
                promptTokens,
                format,
                System.currentTimeMillis());
    return Completions.of(result, r.getJobId(), System.currentTimeMillis())
        .setQueueMs(r.getSubmittedAtMs() > 0 ? Math.max(0, admittedAtMs - r.getSubmittedAtMs()) : 0)
        .setFirstTokenMs(o.firstTokenMillis())
        .setGenerationMs(o.totalMillis())
        .setBatchId(batchId)
        .setProcessor(processor)
        .build();
  }

  /** An error for a request that never reached the engine. */
  Completion error(BatchedRequest r, String batchId, String message) {
    int promptTokens = r.getPromptTokenIds() == null ? 0 : r.getPromptTokenIds().size();
    ResponseFormat format = RequestRecords.format(r);
    return Completions.error(
            r.getId(), r.getJobId(), message, promptTokens, format, System.currentTimeMillis())
        .setBatchId(batchId)
        .setProcessor(processor)
        .build();
  }
}
