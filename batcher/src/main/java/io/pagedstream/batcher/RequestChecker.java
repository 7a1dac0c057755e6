package io.pagedstream.batcher;

import io.pagedstream.core.OneLine;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.core.request.InvalidRequestException;
import io.pagedstream.core.request.KvPoolLimit;
import io.pagedstream.core.request.PromptRequest;
import io.pagedstream.core.request.RequestValidator;
import io.pagedstream.core.request.ResponseFormat;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.core.request.ServedModel;
import io.pagedstream.core.request.TokenIds;
import io.pagedstream.core.request.ValidatedPrompt;
import io.pagedstream.core.text.ChatMessage;
import io.pagedstream.core.text.TextTokenizer;
import io.pagedstream.schemas.Completions;
import io.pagedstream.schemas.RequestRecords;
import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.ChatTurn;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.tokenizer.ChatEncoders;
import io.pagedstream.tokenizer.HuggingFaceTextTokenizer;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a {@link GenerationRequest} into a {@link BatchedRequest} (tokenized, checked by core's
 * {@link RequestValidator} against the model and the processors' KV pool, with its KV estimate) or
 * into the error {@link Completion} that answers it. Never throws for a request: whatever is wrong
 * with one becomes its error completion, so no request can stop the service.
 *
 * <p>Holds the model's tokenizer, which is native memory: close it when the topology using it is
 * gone. Safe to share between stream threads.
 */
public final class RequestChecker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RequestChecker.class);

  private final RequestValidator validator;
  private final KvEstimator estimator;
  private final ServedModel served;
  private final String service;

  RequestChecker(
      RequestValidator validator, KvEstimator estimator, ServedModel served, String service) {
    this.validator = validator;
    this.estimator = estimator;
    this.served = served;
    this.service = service;
  }

  /**
   * Reads the model's {@code config.json} and, when there are, its {@code tokenizer.json} and chat
   * template: chat requests are rendered and tokenized here, with text prompts, because the batcher
   * is the service that knows the model (ingest does not), and the KV estimate needs the rendered
   * prompt's length.
   */
  public static RequestChecker load(BatcherConfig config) {
    ModelSpec spec = ModelSpec.load(config.modelDir());
    KvEstimator estimator = KvEstimator.of(spec, config.blockSize(), config.kvBudget());
    Optional<TextTokenizer> tokenizer = HuggingFaceTextTokenizer.forModel(config.modelDir());
    // a batch holds all n samples at once: the prompt once and every sample's output
    KvPoolLimit pool =
        new KvPoolLimit(estimator.budgetBlocks(), estimator.blockSize(), estimator::blocksFor);
    return new RequestChecker(
        new RequestValidator(
            spec,
            tokenizer,
            Optional.of(pool),
            ChatEncoders.forModel(config.modelDir(), tokenizer)),
        estimator,
        config.servedModel(),
        config.applicationId());
  }

  /** What became of a request. */
  public sealed interface Verdict {
    /** Ready for a batch. */
    record Accepted(BatchedRequest request) implements Verdict {}

    /** Answered at once with an error completion. */
    record Rejected(Completion completion) implements Verdict {}
  }

  public Verdict check(GenerationRequest r, long nowMs) {
    int[] ids = r.getPromptTokenIds() == null ? null : TokenIds.toArray(r.getPromptTokenIds());
    int knownPromptTokens = ids == null ? 0 : ids.length;
    ResponseFormat format = RequestRecords.format(r);
    try {
      SamplingParams params = RequestRecords.params(r);
      List<ChatMessage> messages =
          r.getMessages() == null
              ? null
              : r.getMessages().stream().map(RequestChecker::message).toList();
      PromptRequest request =
          new PromptRequest(r.getId(), r.getJobId(), r.getPrompt(), ids, messages, params, format);
      served.check(request);
      var verdict = validator.validate(request);
      if (verdict instanceof RequestValidator.Verdict.Rejected rejected) {
        return reject(r, rejected.error(), rejected.promptTokens(), nowMs);
      }
      ValidatedPrompt prompt = ((RequestValidator.Verdict.Accepted) verdict).prompt();
      int blocks = estimator.blocksFor(prompt.promptTokens(), prompt.params());
      return new Verdict.Accepted(batched(r, prompt, blocks, ids == null && messages == null));
    } catch (InvalidRequestException e) {
      // the sampling parameters
      return reject(r, e.getMessage(), knownPromptTokens, nowMs);
    } catch (RuntimeException e) {
      // not the request's stated fault (a tokenizer failure, say), but retrying would fail the
      // same way on the same record forever: answer it, and leave a trace for the operator
      LOG.warn("request {} could not be checked: {}", r.getId(), OneLine.of(e), e);
      return reject(r, "cannot check request: " + OneLine.of(e), knownPromptTokens, nowMs);
    }
  }

  private static ChatMessage message(ChatTurn turn) {
    ChatMessage.Role role;
    try {
      role = ChatMessage.Role.parse(turn.getRole());
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
    return turn.getTextParts().isEmpty()
        ? ChatMessage.of(role, turn.getContent())
        : ChatMessage.ofTextParts(role, turn.getTextParts());
  }

  public KvEstimator estimator() {
    return estimator;
  }

  private Verdict reject(GenerationRequest r, String error, int promptTokens, long nowMs) {
    // an OpenAI line's error is an OpenAI error line
    ResponseFormat format = RequestRecords.format(r);
    return new Verdict.Rejected(
        Completions.error(r.getId(), r.getJobId(), error, promptTokens, format, nowMs)
            .setProcessor(service)
            .build());
  }

  private static BatchedRequest batched(
      GenerationRequest r, ValidatedPrompt prompt, int blocks, boolean wasText) {
    BatchedRequest.Builder b =
        BatchedRequest.newBuilder()
            .setId(r.getId())
            .setJobId(r.getJobId() == null ? "" : r.getJobId())
            .setPromptTokenIds(TokenIds.toList(prompt.promptTokenIds()));
    return RequestRecords.set(b, prompt.params(), RequestRecords.format(r))
        .setSubmittedAtMs(r.getSubmittedAtMs())
        .setEstimatedKvBlocks(blocks)
        .setPromptWasText(wasText)
        .build();
  }

  @Override
  public void close() {
    validator.tokenizer().ifPresent(TextTokenizer::close);
  }
}
