package io.pagedstream.core.request;

import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.core.text.TextTokenizer;
import java.util.Objects;
import java.util.Optional;

/**
 * The one request validator, with the one set of messages, used by {@code generate}, ingest, the
 * batcher and the engine. Checks run in stages, and each path runs the stages it can:
 *
 * <pre>
 *   id                {@link #idProblem}: ids become Kafka and database keys   (ingest, generate)
 *   without a model   {@link #modelFreeProblem}: job id, a prompt, not empty,   (ingest, and first
 *                     no negative token ids                                     in every stage below)
 *   with the model    {@link #validate}: tokenizes text (or renders messages    (generate, batcher)
 *                     with the chat template), vocabulary,
 *                     prompt + max_tokens within the context
 *   with the KV pool  the request fits the whole pool                           (batcher, engine)
 * </pre>
 *
 * The JSON shape and the sampling parameters are checked before, by {@link RequestParser} and
 * {@link SamplingParams}. Never throws for a request: every problem is a {@link Verdict.Rejected}.
 */
public final class RequestValidator {

  /** Ids and job ids become Kafka keys and database keys: long ones are a mistake, not data. */
  public static final int MAX_ID_CHARS = 256;

  /** What became of a request. */
  public sealed interface Verdict {
    /** The request can run: its prompt as token ids within the model's limits. */
    record Accepted(ValidatedPrompt prompt) implements Verdict {}

    /**
     * The request cannot run.
     *
     * @param promptTokens the prompt's length when it was tokenized before the problem was found,
     *     else 0
     */
    record Rejected(String error, int promptTokens) implements Verdict {}
  }

  private final ModelSpec spec;
  private final Optional<TextTokenizer> tokenizer;
  private final Optional<KvPoolLimit> pool;
  private final Optional<ChatEncoder> chat;

  /** {@code pool} empty: the KV pool is not checked here (a later stage does it). */
  public RequestValidator(
      ModelSpec spec, Optional<TextTokenizer> tokenizer, Optional<KvPoolLimit> pool) {
    this(spec, tokenizer, pool, Optional.empty());
  }

  /** {@code chat}: the model's chat template, when it has one; chat requests fail without. */
  public RequestValidator(
      ModelSpec spec,
      Optional<TextTokenizer> tokenizer,
      Optional<KvPoolLimit> pool,
      Optional<ChatEncoder> chat) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.pool = Objects.requireNonNull(pool, "pool");
    this.chat = Objects.requireNonNull(chat, "chat");
  }

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

  /** Why this request can never run on any model, or empty when it may. */
  public static Optional<String> modelFreeProblem(PromptRequest r) {
    if (r.jobId() != null && r.jobId().length() > MAX_ID_CHARS) {
      return Optional.of(
          "job_id is " + r.jobId().length() + " characters long, more than " + MAX_ID_CHARS);
    }
    if (r.isChat()) {
      return Optional.empty(); // messages were checked by the parser; the template needs the model
    }
    // token ids win over text when both are given, so they are the prompt checked
    int[] ids = r.promptTokenIds();
    if (ids != null) {
      return idsProblem(ids);
    }
    if (r.prompt() == null) {
      return Optional.of(
          "request has no prompt (give \"prompt\", \"prompt_token_ids\" or \"messages\")");
    }
    if (r.prompt().isEmpty()) {
      return Optional.of("prompt is empty");
    }
    return Optional.empty();
  }

  /** Every stage this validator can run: the request's prompt as ids, or why it cannot run. */
  public Verdict validate(PromptRequest r) {
    Optional<String> problem = modelFreeProblem(r);
    if (problem.isPresent()) {
      return new Verdict.Rejected(problem.get(), r.knownPromptTokens());
    }
    int[] ids;
    if (r.isChat()) {
      if (chat.isEmpty()) {
        return new Verdict.Rejected(
            "this model has no chat template (tokenizer_config.json's chat_template "
                + "or chat_template.jinja): send a prompt instead of messages",
            0);
      }
      try {
        ids = chat.get().encode(r.messages());
      } catch (InvalidRequestException e) {
        return new Verdict.Rejected(e.getMessage(), 0);
      }
      if (ids.length == 0) {
        return new Verdict.Rejected("messages render to no tokens", 0);
      }
    } else if (r.promptTokenIds() != null) {
      ids = r.promptTokenIds();
    } else {
      if (tokenizer.isEmpty()) {
        return new Verdict.Rejected(
            "this model has no tokenizer.json: send prompt_token_ids instead of a text prompt", 0);
      }
      // a character cap first, so a 10 MB line is refused without tokenizing it
      if (r.prompt().length() > 64L * spec.maxPositionEmbeddings()) {
        return new Verdict.Rejected(
            "prompt of "
                + r.prompt().length()
                + " characters cannot fit the model's "
                + spec.maxPositionEmbeddings()
                + " positions",
            0);
      }
      ids = tokenizer.get().encode(r.prompt());
      if (ids.length == 0) {
        return new Verdict.Rejected("prompt encodes to no tokens", 0);
      }
    }
    return validateIds(r.id(), r.jobId(), ids, r.params(), r.format());
  }

  /** The stages for a prompt that is already token ids (the engine's requests). */
  public Verdict validateIds(String id, String jobId, int[] ids, SamplingParams params) {
    return validateIds(id, jobId, ids, params, ResponseFormat.NATIVE);
  }

  /**
   * {@link #validateIds(String, String, int[], SamplingParams)} for a request answered in {@code
   * format}.
   */
  public Verdict validateIds(
      String id, String jobId, int[] ids, SamplingParams params, ResponseFormat format) {
    Optional<String> problem = idsProblem(ids);
    if (problem.isPresent()) {
      return new Verdict.Rejected(problem.get(), ids.length);
    }
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] >= spec.vocabSize()) {
        return new Verdict.Rejected(
            "prompt_token_ids["
                + i
                + "] = "
                + ids[i]
                + " is outside the vocabulary (0.."
                + (spec.vocabSize() - 1)
                + ")",
            ids.length);
      }
    }
    long total = (long) ids.length + params.maxTokens();
    if (total > spec.contextLength()) {
      return new Verdict.Rejected(
          sizeOf(ids.length, params)
              + " = "
              + total
              + " exceeds the model's "
              + spec.contextDescription(),
          ids.length);
    }
    if (pool.isPresent()) {
      long blocks = pool.get().need().blocks(ids.length, params);
      if (blocks > pool.get().blocks()) {
        String size =
            params.n() == 1
                ? sizeOf(ids.length, params)
                : "prompt ("
                    + ids.length
                    + " tokens) + "
                    + params.n()
                    + " samples x max_tokens ("
                    + params.maxTokens()
                    + ")";
        return new Verdict.Rejected(
            size
                + " needs "
                + blocks
                + " KV blocks of "
                + pool.get().blockSize()
                + " tokens, more than the whole KV pool holds ("
                + pool.get().blocks()
                + ")",
            ids.length);
      }
    }
    return new Verdict.Accepted(new ValidatedPrompt(id, jobId, ids, params, format));
  }

  public ModelSpec spec() {
    return spec;
  }

  public Optional<TextTokenizer> tokenizer() {
    return tokenizer;
  }

  private static Optional<String> idsProblem(int[] ids) {
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

  private static String sizeOf(int promptTokens, SamplingParams params) {
    return "prompt (" + promptTokens + " tokens) + max_tokens (" + params.maxTokens() + ")";
  }
}
