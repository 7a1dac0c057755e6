package io.pagedstream.processor;

import io.pagedstream.core.request.ChoicesJson;
import io.pagedstream.core.request.GenerationResult;
import io.pagedstream.core.request.ResponseFormat;
import io.pagedstream.core.request.TokenIds;
import io.pagedstream.core.text.TextTokenizer;
import io.pagedstream.engine.RequestOutput;
import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.Completion;
import java.util.List;
import java.util.Optional;

/** Builds the {@code Completion} records this processor writes. */
final class CompletionFactory {

  private final Optional<TextTokenizer> tokenizer;
  private final String processor;

  CompletionFactory(Optional<TextTokenizer> tokenizer, String processor) {
    this.tokenizer = tokenizer;
    this.processor = processor;
  }

  /** A generated result, or an engine error, for one request of a batch. */
  Completion from(BatchedRequest r, String batchId, RequestOutput o, long admittedAtMs) {
    boolean error = o.isError();
    // like `generate`: text whenever the model has a tokenizer, whatever form the prompt came in
    GenerationResult result = error ? null : GenerationResult.of(r.getId(), OutputChoices.of(o, tokenizer),
        r.getPromptTokenIds().size(), ResponseFormat.NATIVE, 0);
    return Completion.newBuilder()
        .setId(r.getId())
        .setJobId(r.getJobId())
        .setTokenIds(error ? List.of() : TokenIds.toList(result.tokenIds()))
        .setText(error ? null : result.text())
        .setFinishReason(o.finishReason())
        .setError(o.error())
        .setPromptTokens(r.getPromptTokenIds().size())
        .setOutputTokens(error ? 0 : result.outputTokens())
        .setChoices(error ? null : ChoicesJson.toText(result.choices()))
        .setFormat(r.getFormat())
        .setCustomId(r.getCustomId())
        .setModel(r.getModel())
        .setQueueMs(r.getSubmittedAtMs() > 0 ? Math.max(0, admittedAtMs - r.getSubmittedAtMs()) : 0)
        .setFirstTokenMs(o.firstTokenMillis())
        .setGenerationMs(o.totalMillis())
        .setBatchId(batchId)
        .setProcessor(processor)
        .setCompletedAtMs(System.currentTimeMillis())
        .setCached(false)
        .build();
  }

  /** An error for a request that never reached the engine. */
  Completion error(BatchedRequest r, String batchId, String message) {
    return Completion.newBuilder()
        .setId(r.getId())
        .setJobId(r.getJobId())
        .setTokenIds(List.of())
        .setFinishReason("error")
        .setError(message)
        .setFormat(r.getFormat())
        .setCustomId(r.getCustomId())
        .setModel(r.getModel())
        .setPromptTokens(r.getPromptTokenIds() == null ? 0 : r.getPromptTokenIds().size())
        .setBatchId(batchId)
        .setProcessor(processor)
        .setCompletedAtMs(System.currentTimeMillis())
        .build();
  }
}
