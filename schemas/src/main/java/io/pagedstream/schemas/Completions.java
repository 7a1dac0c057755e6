package io.pagedstream.schemas;

import io.pagedstream.core.request.ChoicesJson;
import io.pagedstream.core.request.FinishReason;
import io.pagedstream.core.request.GenerationResult;
import io.pagedstream.core.request.ResponseFormat;
import io.pagedstream.core.request.TokenIds;
import io.pagedstream.schemas.avro.Completion;

/**
 * {@link GenerationResult} to {@link Completion} and back: the one place a completion record is
 * built, by every service that answers a request (ingest, the batcher, the processors), so error
 * completions are filled alike wherever they come from.
 *
 * <pre>{@code
 * Completion c = Completions.of(GenerationResult.error(id, "prompt is empty", 0), jobId, now)
 *     .setProcessor(service)  // where it was answered, when that is known
 *     .build();
 * }</pre>
 */
public final class Completions {

  private Completions() {}

  /**
   * A builder holding the result's fields, its job ({@code ""} when null) and when it was
   * completed; the fields that say where and how fast it ran keep their schema defaults until the
   * caller sets them.
   */
  public static Completion.Builder of(GenerationResult r, String jobId, long completedAtMs) {
    return Completion.newBuilder()
        .setId(r.id())
        .setJobId(jobId == null ? "" : jobId)
        .setTokenIds(TokenIds.toList(r.tokenIds()))
        .setText(r.text())
        .setFinishReason(r.finishReason().wire())
        .setError(r.error())
        .setPromptTokens(r.promptTokens())
        .setOutputTokens(r.outputTokens())
        .setChoices(r.choices() == null ? null : ChoicesJson.toText(r.choices()))
        .setFormat(r.format().kind().wire())
        .setCustomId(r.format().customId())
        .setModel(r.format().model())
        .setCompletedAtMs(completedAtMs);
  }

  /** An error completion: {@link GenerationResult#error} of the request, in its job. */
  public static Completion.Builder error(
      String id, String jobId, String message, int promptTokens, long completedAtMs) {
    return error(id, jobId, message, promptTokens, ResponseFormat.NATIVE, completedAtMs);
  }

  /** An error completion answered in the request's format (an OpenAI line's: a 400 line). */
  public static Completion.Builder error(
      String id,
      String jobId,
      String message,
      int promptTokens,
      ResponseFormat format,
      long completedAtMs) {
    return of(GenerationResult.error(id, message, promptTokens, format), jobId, completedAtMs);
  }

  /** The format a completion's request asked for. */
  public static ResponseFormat format(Completion c) {
    return ResponseFormat.of(c.getFormat(), c.getCustomId(), c.getModel());
  }

  /**
   * The result a completion carries.
   *
   * @throws IllegalArgumentException when its finish reason is one this version does not know
   */
  public static GenerationResult result(Completion c) {
    return GenerationResult.read(
        c.getId(),
        TokenIds.toArray(c.getTokenIds()),
        c.getText(),
        c.getFinishReason(),
        c.getError(),
        c.getPromptTokens(),
        c.getOutputTokens(),
        format(c),
        c.getChoices() == null ? null : ChoicesJson.fromText(c.getChoices()),
        c.getCompletedAtMs());
  }

  /** Whether a completion answers with an error; false for reasons this version does not know. */
  public static boolean isError(Completion c) {
    return FinishReason.isError(c.getFinishReason());
  }
}
