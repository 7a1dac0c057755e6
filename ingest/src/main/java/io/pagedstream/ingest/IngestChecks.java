package io.pagedstream.ingest;

import io.pagedstream.core.request.PromptRequest;
import java.util.Optional;

/**
 * The checks ingest can make without a model, so that a request which can never run gets its
 * error at once instead of travelling to the batcher. Everything that needs the model (tokenizing
 * the text, token ids inside the vocabulary, prompt + max_tokens within the context) is left to
 * the batcher, which knows the model. The JSON shape and the sampling parameters were already
 * checked by {@code RequestParser} / {@code SamplingParams}.
 */
public final class IngestChecks {

  /** Ids and job ids become Kafka keys and database keys: long ones are a mistake, not data. */
  public static final int MAX_ID_CHARS = 256;

  private IngestChecks() {}

  /** Why {@code id} cannot name a request, or empty when it can. */
  public static Optional<String> idProblem(String id) {
    if (id == null || id.isBlank()) {
      return Optional.of("id is empty");
    }
    if (id.length() > MAX_ID_CHARS) {
      return Optional.of("id is " + id.length() + " characters long, more than " + MAX_ID_CHARS);
    }
    return Optional.empty();
  }

  /** Why this request can never run on any model, or empty when the batcher should see it. */
  public static Optional<String> requestProblem(PromptRequest r) {
    if (r.jobId() != null && r.jobId().length() > MAX_ID_CHARS) {
      return Optional.of("job_id is " + r.jobId().length() + " characters long, more than " + MAX_ID_CHARS);
    }
    if (r.isChat()) {
      return Optional.empty(); // messages were checked by the parser; the template is the batcher's
    }
    // token ids win over text when both are given (as in PromptValidator), so check them first
    int[] ids = r.promptTokenIds();
    if (ids != null) {
      if (ids.length == 0) {
        return Optional.of("prompt_token_ids is empty");
      }
      for (int i = 0; i < ids.length; i++) {
        if (ids[i] < 0) {
          return Optional.of("prompt_token_ids[" + i + "] = " + ids[i] + " is negative");
        }
      }
      return Optional.empty();
    }
    if (r.prompt() == null) {
      return Optional.of("request has no prompt (give \"prompt\", \"prompt_token_ids\" or \"messages\")");
    }
    if (r.prompt().isEmpty()) {
      return Optional.of("prompt is empty");
    }
    return Optional.empty();
  }
}
