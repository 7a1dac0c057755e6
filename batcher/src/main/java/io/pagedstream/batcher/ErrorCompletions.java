package io.pagedstream.batcher;

import io.pagedstream.core.request.GenerationResult;
import io.pagedstream.schemas.avro.Completion;
import java.util.List;

/** The {@link Completion} that answers a request the batcher cannot put in a batch. */
final class ErrorCompletions {

  private ErrorCompletions() {}

  /**
   * @param service who answered, for {@code Completion.processor}: the batcher's application id
   * @param promptTokens the prompt's length when it is known, else 0
   */
  static Completion of(String id, String jobId, String error, int promptTokens, String service,
      long nowMs) {
    return Completion.newBuilder()
        .setId(id)
        .setJobId(jobId == null ? "" : jobId)
        .setTokenIds(List.of())
        .setFinishReason(GenerationResult.ERROR)
        .setError(oneLine(error))
        .setPromptTokens(promptTokens)
        .setOutputTokens(0)
        .setProcessor(service)
        .setCompletedAtMs(nowMs)
        .build();
  }

  /** A message on one line, never empty: errors travel in one-line fields and headers. */
  static String oneLine(String text) {
    String line = text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " ");
    return line.isEmpty() ? "unknown error" : line;
  }

  /** An exception's message on one line, or its class name when it has none. */
  static String oneLine(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getName() : oneLine(message);
  }
}
