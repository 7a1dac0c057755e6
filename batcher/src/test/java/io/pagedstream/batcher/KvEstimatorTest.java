package io.pagedstream.batcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.testing.SharedData;
import org.junit.jupiter.api.Test;

class KvEstimatorTest {

  /** tiny-stories-synth: 5 layers, 3 KV heads of 32 dims. */
  private final ModelSpec spec = ModelSpec.load(SharedData.model("tiny-stories-synth"));

  @Test
  void requestsAreChargedWholeBlocksOfPromptPlusMaxTokens() {
    KvEstimator estimator = KvEstimator.of(spec, 16, KvBudget.blocks(100));

    assertThat(estimator.blocksFor(1)).isEqualTo(1);
    assertThat(estimator.blocksFor(16)).isEqualTo(1);
    assertThat(estimator.blocksFor(17)).isEqualTo(2);
    assertThat(estimator.blocksFor(512)).isEqualTo(32);
    assertThat(KvEstimator.of(spec, 8, KvBudget.blocks(100)).blocksFor(17)).isEqualTo(3);
    assertThat(estimator.budgetBlocks()).isEqualTo(100);
  }

  @Test
  void nSamplesAreChargedThePromptOnceAndMaxTokensEach() {
    KvEstimator estimator = KvEstimator.of(spec, 16, KvBudget.blocks(100));
    SamplingParams one = new SamplingParams(1.0, 1, 0, 7L, 20, false);
    SamplingParams eight = new SamplingParams(1.0, 1, 0, 7L, 20, false, null, null, null, 8);

    assertThat(estimator.blocksFor(40, one)).isEqualTo(4); // ceil(60 / 16)
    assertThat(estimator.blocksFor(40, eight)).isEqualTo(13); // ceil((40 + 8 x 20) / 16)
    // well under eight separate requests' 8 x 4
    assertThat(estimator.blocksFor(40, eight)).isLessThan(8 * estimator.blocksFor(40, one));
  }

  @Test
  void aMemoryBudgetIsCutIntoBlocksAsTheEngineCutsItsPool() {
    // float32 K and V: 2 x 5 layers x 3 heads x 32 dims x 4 bytes = 3840 bytes a token,
    // 61440 a 16-token block; 1 GiB / 61440 = 17476.27
    assertThat(KvEstimator.of(spec, 16, KvBudget.gib(1.0)).budgetBlocks()).isEqualTo(17476);
    // half the bytes per element, twice the blocks
    assertThat(
            KvEstimator.of(spec, 16, new KvBudget.Memory(1L << 30, Dtype.FLOAT16)).budgetBlocks())
        .isEqualTo(34952);
  }

  @Test
  void aBudgetWithoutRoomForOneBlockIsRefused() {
    assertThatThrownBy(() -> KvEstimator.of(spec, 16, new KvBudget.Memory(61439, Dtype.FLOAT32)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds no block of 61440 bytes");
  }
}
