package io.pagedstream.core.request;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.testing.SharedData;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The one set of checks and messages: a vocabulary of 512, 512 positions, a pool of 4 blocks of 16.
 */
class RequestValidatorTest {

  private static final ModelSpec SPEC = ModelSpec.load(SharedData.model("stories260K"));
  private static final KvPoolLimit POOL =
      new KvPoolLimit(4, 16, (prompt, params) -> (prompt + params.maxTokens() + 15) / 16);
  private static final RequestValidator WITH_POOL =
      new RequestValidator(SPEC, Optional.empty(), Optional.of(POOL));

  private static PromptRequest ids(int maxTokens, int... ids) {
    return new PromptRequest("r", null, null, ids, SamplingParams.greedy(maxTokens));
  }

  private static String rejected(RequestValidator v, PromptRequest r) {
    return ((RequestValidator.Verdict.Rejected) v.validate(r)).error();
  }

  @Test
  void idsMustBeUsableAsKeys() {
    assertThat(RequestValidator.idProblem("a")).isEmpty();
    assertThat(RequestValidator.idProblem(" ")).contains("id is empty");
    assertThat(RequestValidator.idProblem("x".repeat(257)))
        .contains("id is 257 characters long, more than 256");
  }

  @Test
  void modelFreeChecksHoldForEveryModel() {
    assertThat(
            RequestValidator.modelFreeProblem(
                new PromptRequest("r", null, null, null, SamplingParams.greedy(1))))
        .contains("request has no prompt (give \"prompt\", \"prompt_token_ids\" or \"messages\")");
    assertThat(
            RequestValidator.modelFreeProblem(
                new PromptRequest("r", null, "", null, SamplingParams.greedy(1))))
        .contains("prompt is empty");
    assertThat(RequestValidator.modelFreeProblem(ids(1))).contains("prompt_token_ids is empty");
    assertThat(RequestValidator.modelFreeProblem(ids(1, 5, -1)))
        .contains("prompt_token_ids[1] = -1 is negative");
    assertThat(
            RequestValidator.modelFreeProblem(
                new PromptRequest("r", "j".repeat(300), "hi", null, SamplingParams.greedy(1))))
        .contains("job_id is 300 characters long, more than 256");
    // token ids win over an empty text
    assertThat(
            RequestValidator.modelFreeProblem(
                new PromptRequest("r", null, "", new int[] {1}, SamplingParams.greedy(1))))
        .isEmpty();
  }

  @Test
  void everyStageRunsWithTheModelAndThePool() {
    assertThat(rejected(WITH_POOL, ids(1, 5, -1)))
        .isEqualTo("prompt_token_ids[1] = -1 is negative");
    assertThat(rejected(WITH_POOL, ids(1, 5, 512)))
        .isEqualTo("prompt_token_ids[1] = 512 is outside the vocabulary (0..511)");
    assertThat(rejected(WITH_POOL, ids(510, 1, 2, 3)))
        .isEqualTo("prompt (3 tokens) + max_tokens (510) = 513 exceeds the model's 512 positions");
    assertThat(rejected(WITH_POOL, ids(62, 1, 2, 3)))
        .isEqualTo(
            "prompt (3 tokens) + max_tokens (62) needs 5 KV blocks of 16 tokens, more than the whole KV pool holds (4)");
    assertThat(
            rejected(
                WITH_POOL, new PromptRequest("r", null, "Once", null, SamplingParams.greedy(1))))
        .isEqualTo(
            "this model has no tokenizer.json: send prompt_token_ids instead of a text prompt");

    var accepted = (RequestValidator.Verdict.Accepted) WITH_POOL.validate(ids(61, 1, 2, 3));
    assertThat(accepted.prompt().promptTokenIds()).containsExactly(1, 2, 3);
  }

  @Test
  void aRejectionKnowsThePromptLengthWhenThePromptCameAsIds() {
    var r = (RequestValidator.Verdict.Rejected) WITH_POOL.validate(ids(510, 1, 2, 3));
    assertThat(r.promptTokens()).isEqualTo(3);
    var noPrompt =
        (RequestValidator.Verdict.Rejected)
            WITH_POOL.validate(new PromptRequest("r", null, "", null, SamplingParams.greedy(1)));
    assertThat(noPrompt.promptTokens()).isZero();
  }

  @Test
  void withoutAPoolOnlyTheModelLimitsApply() {
    var v = new RequestValidator(SPEC, Optional.empty(), Optional.empty());
    assertThat(v.validate(ids(62, 1, 2, 3))).isInstanceOf(RequestValidator.Verdict.Accepted.class);
  }
}
