package io.pagedstream.core.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.core.model.ModelFormatException;
import io.pagedstream.core.model.ModelSpec;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MemoryPlanTest {

  static final GpuBudget A100_80 = GpuBudget.ofGib(80, 0.9);

  static MemoryPlan llama13b() {
    return MemoryPlan.of(PublishedConfigs.spec("llama-2-13b"), Dtype.FLOAT16)
        .withWorkload(new Workload(2000, 10, 4096));
  }

  @Test
  void classicScenarioLlama13bTenSequencesOf2000Tokens() {
    MemoryPlan plan = llama13b();
    assertThat(plan.kvBytesPerToken()).isEqualTo(819_200);
    assertThat(plan.kvBytesForConcurrency()).isEqualTo(16_384_000_000L);
    assertThat(plan.blocksPerSequence()).isEqualTo(125);
    assertThat(plan.kvBytesPerBlock()).isEqualTo(13_107_200);
  }

  @Test
  void hiddenSizeIsTheWrongBasisForKvWhenHeadDimIsExplicit() {
    // Mistral-Nemo: hidden 5120 / 32 heads would suggest head_dim 160, but the config says 128
    MemoryPlan nemo =
        MemoryPlan.of(PublishedConfigs.spec("mistral-nemo-base-2407"), Dtype.BFLOAT16);
    long fromHidden = 2L * 40 * 8 * (5120 / 32) * 2;
    assertThat(nemo.kvBytesPerToken()).isEqualTo(2L * 40 * 8 * 128 * 2).isNotEqualTo(fromHidden);
    // and with GQA, 2 x layers x hidden would overstate Llama-3.1-8B's KV four times
    MemoryPlan llama3 = MemoryPlan.of(PublishedConfigs.spec("llama-3.1-8b"), Dtype.BFLOAT16);
    assertThat(llama3.kvBytesPerToken() * 4).isEqualTo(2L * 32 * 4096 * 2);
  }

  @Test
  void overheadFollowsTheStatedFormula() {
    ActivationEstimate e = llama13b().overhead();
    // 13B: hidden 5120, intermediate 13824, q = kv = 40 x 128; the MLP's live set is the larger
    long attention = 2 * 5120 + (5120 + 2 * 5120) + 5120;
    long mlp = 2 * 5120 + 2 * 13824 + 13824;
    assertThat(mlp).isGreaterThan(attention);
    assertThat(e.activationBytes()).isEqualTo(4096L * mlp * 2);
    assertThat(e.logitsBytes()).isEqualTo(2L * 10 * 32000 * 4);
    assertThat(e.fixedBytes()).isEqualTo(1L << 30);
    assertThat(e.total()).isEqualTo(e.activationBytes() + e.logitsBytes() + e.fixedBytes());
    // float32 weights compute in float32; int4 weights dequantize into float16 matmuls
    assertThat(llama13b().withKvDtype(Dtype.FLOAT16).overhead().activationBytes())
        .isEqualTo(e.activationBytes());
    assertThat(
            MemoryPlan.of(PublishedConfigs.spec("llama-2-13b"), Dtype.FLOAT32)
                .withWorkload(llama13b().workload())
                .overhead()
                .activationBytes())
        .isEqualTo(2 * e.activationBytes());
    assertThat(
            MemoryPlan.of(PublishedConfigs.spec("llama-2-13b"), Dtype.INT4)
                .withWorkload(llama13b().workload())
                .overhead()
                .activationBytes())
        .isEqualTo(e.activationBytes());
  }

  @Test
  void totalIsWeightsPlusOverheadPlusWorkloadKv() {
    MemoryPlan plan = llama13b();
    assertThat(plan.totalBytes())
        .isEqualTo(plan.weightBytes() + plan.overhead().total() + plan.kvBytesForConcurrency());
  }

  @Test
  void kvBlocksAvailableOnOneGpu() {
    MemoryPlan plan = llama13b();
    long usable = (long) Math.floor(80.0 * (1L << 30) * 0.9);
    long left = usable - 13_015_864_320L * 2 - plan.overhead().total();
    assertThat(plan.kvBytesAvailable(A100_80)).isEqualTo(left);
    assertThat(plan.kvBlocksAvailable(A100_80)).isEqualTo(left / 13_107_200).isEqualTo(3797);
    assertThat(plan.maxConcurrentSequences(A100_80)).isEqualTo(3797 / 125).isEqualTo(30);
    assertThat(plan.gpusNeeded(A100_80)).isEqualTo(OptionalInt.of(1));
  }

  @Test
  void maxConcurrentSequencesCountsWholeBlocks() {
    // 2001 tokens need a 126th block: the last 15 slots of it are paid for too
    MemoryPlan plan = llama13b().withWorkload(new Workload(2001, 10, 4096));
    assertThat(plan.blocksPerSequence()).isEqualTo(126);
    assertThat(plan.maxConcurrentSequences(A100_80))
        .isEqualTo(plan.kvBlocksAvailable(A100_80) / 126);
  }

  @Test
  void nothingLeftWhenWeightsDoNotFit() {
    MemoryPlan plan = MemoryPlan.of(PublishedConfigs.spec("llama-2-70b"), Dtype.FLOAT16);
    assertThat(plan.kvBytesAvailable(A100_80)).isNegative();
    assertThat(plan.kvBlocksAvailable(A100_80)).isZero();
    assertThat(plan.maxConcurrentSequences(A100_80)).isZero();
    assertThat(plan.fits(A100_80)).isFalse();
  }

  @Test
  void gpusNeededIsTheSmallestTensorParallelGroupThatFits() {
    MemoryPlan plan = MemoryPlan.of(PublishedConfigs.spec("llama-2-70b"), Dtype.FLOAT16);
    // 138 GB of float16 weights: two 80 GiB GPUs hold them with room for 10 x 2000 tokens
    assertThat(plan.gpusNeeded(A100_80)).isEqualTo(OptionalInt.of(2));
    assertThat(plan.withTensorParallel(2).fits(A100_80)).isTrue();
    // the answer does not depend on the plan's own tensor parallel size
    assertThat(plan.withTensorParallel(8).gpusNeeded(A100_80)).isEqualTo(OptionalInt.of(2));
    // 24 GiB GPUs: 4 hold 32 GiB of weights each, too much; 8 is the next size 64 heads allow
    GpuBudget small = GpuBudget.ofGib(24, 0.9);
    assertThat(plan.gpusNeeded(small)).isEqualTo(OptionalInt.of(8));
    assertThat(plan.withTensorParallel(4).fits(small)).isFalse();
  }

  @Test
  void gpusNeededGrowsWithTheWorkload() {
    MemoryPlan small = llama13b();
    MemoryPlan big = llama13b().withWorkload(new Workload(4096, 100, 4096));
    int few = small.gpusNeeded(A100_80).orElseThrow();
    int many = big.gpusNeeded(A100_80).orElseThrow();
    assertThat(many).isGreaterThan(few);
    assertThat(big.withTensorParallel(many).maxConcurrentSequences(A100_80))
        .isGreaterThanOrEqualTo(100);
    for (int n = 1; n < many; n++) {
      if (TensorParallel.isValid(big.spec(), n)) {
        assertThat(big.withTensorParallel(n).fits(A100_80)).as("tp %d", n).isFalse();
      }
    }
  }

  @Test
  void noGpuCountWhenEvenTheLargestGroupIsTooSmall() {
    MemoryPlan plan =
        MemoryPlan.of(PublishedConfigs.spec("llama-2-70b"), Dtype.FLOAT16)
            .withWorkload(new Workload(100_000, 1000, 4096));
    assertThat(plan.gpusNeeded(A100_80)).isEmpty();
  }

  @Test
  void tensorParallelDividesWeightsAndKvHeads() {
    MemoryPlan one = llama13b();
    MemoryPlan two = llama13b().withTensorParallel(2);
    assertThat(two.weightBytes()).isEqualTo(one.weightBytes());
    assertThat(two.weightBytesPerGpu()).isEqualTo(one.weightBytes() / 2);
    assertThat(two.kvBytesPerToken()).isEqualTo(one.kvBytesPerToken());
    assertThat(two.kvBytesPerTokenPerGpu()).isEqualTo(one.kvBytesPerToken() / 2);
    assertThat(two.kvBytesPerBlockPerGpu()).isEqualTo(one.kvBytesPerBlock() / 2);
    assertThat(two.overhead().activationBytes()).isLessThan(one.overhead().activationBytes());
    assertThat(two.overhead().logitsBytes()).isEqualTo(one.overhead().logitsBytes());
    assertThat(two.kvBlocksAvailable(A100_80)).isGreaterThan(2 * one.kvBlocksAvailable(A100_80));
  }

  @Test
  void tensorParallelBeyondKvHeadsReplicatesThem() {
    ModelSpec spec = PublishedConfigs.spec("llama-3.1-70b");
    MemoryPlan eight = MemoryPlan.of(spec, Dtype.BFLOAT16).withTensorParallel(8);
    MemoryPlan sixteen = eight.withTensorParallel(16);
    assertThat(sixteen.split().kvHeadsPerGpu()).isEqualTo(1);
    assertThat(sixteen.kvBytesPerTokenPerGpu()).isEqualTo(eight.kvBytesPerTokenPerGpu());
    ParameterCount p = sixteen.parameters();
    long kvRowsPerGpu = p.keyValue() / 8;
    assertThat(sixteen.weightBytesPerGpu())
        .isEqualTo(2 * ((p.total() - p.keyValue() + 15) / 16 + kvRowsPerGpu));
  }

  @Test
  void tensorParallelSizesThatCannotSplitTheModelAreRefused() {
    MemoryPlan plan = llama13b();
    assertThatThrownBy(() -> plan.withTensorParallel(3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "tensor parallel size 3 does not divide num_attention_heads (40): each GPU must hold whole attention heads");
    // 13824 = 2^9 x 27: five GPUs cannot share the MLP evenly though they share 40 heads
    assertThatThrownBy(() -> plan.withTensorParallel(5))
        .hasMessageContaining("does not divide intermediate_size (13824)");
    MemoryPlan qwen = MemoryPlan.of(PublishedConfigs.spec("qwen2.5-7b"), Dtype.BFLOAT16);
    assertThatThrownBy(() -> qwen.withTensorParallel(14))
        .hasMessage(
            "tensor parallel size 14 and num_key_value_heads (4) do not divide one another:"
                + " KV heads can be split evenly or replicated, not cut");
    assertThatThrownBy(() -> plan.withTensorParallel(0)).hasMessageContaining("at least 1");
  }

  @Test
  void engineBudgetGivesWholeFloat32Blocks() {
    MemoryPlan engine =
        MemoryPlan.of(PublishedConfigs.spec("llama-2-7b"), Dtype.FLOAT32)
            .withKvDtype(Dtype.FLOAT32)
            .withBlockSize(16);
    // float32 Llama-2-7B: 1 MiB per token, 16 MiB per block
    assertThat(engine.kvBytesPerBlock()).isEqualTo(16L << 20);
    assertThat(engine.kvBlocksWithin(1L << 30)).isEqualTo(64);
    assertThat(engine.kvBlocksWithin((1L << 30) - 1)).isEqualTo(63);
    assertThat(engine.kvBlocksWithin(0)).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1})
  void blockSizeMustBePositive(int size) {
    assertThatThrownBy(() -> llama13b().withBlockSize(size))
        .hasMessageContaining("block size must be at least 1");
  }

  @Test
  void workloadAndGpuMustBeSensible() {
    assertThatThrownBy(() -> new Workload(0, 1, 1))
        .hasMessage("max sequence length must be at least 1, got 0");
    assertThatThrownBy(() -> new Workload(1, 0, 1))
        .hasMessage("concurrency must be at least 1, got 0");
    assertThatThrownBy(() -> GpuBudget.ofGib(80, 1.5))
        .hasMessage("GPU memory utilization must be in (0, 1], got 1.5");
    assertThatThrownBy(() -> GpuBudget.ofGib(0, 0.9)).hasMessageContaining("positive");
  }

  @Test
  void badConfigsFailWithOneLine() {
    String good = PublishedConfigs.json("llama-2-7b");
    assertOneLineError(
        good.replace("\"hidden_size\": 4096,", ""), "config.json is missing hidden_size");
    assertOneLineError(
        good.replace("\"model_type\": \"llama\"", "\"model_type\": \"gpt2\""),
        "model_type 'gpt2' is not supported (supported: llama, mistral, qwen2)");
    assertOneLineError(
        good.replace("\"num_attention_heads\": 32", "\"num_attention_heads\": 0"),
        "num_attention_heads must be positive, got 0");
    assertOneLineError(
        good.replace("\"num_key_value_heads\": 32", "\"num_key_value_heads\": 5"),
        "num_attention_heads (32) is not a multiple of num_key_value_heads (5)");
    assertOneLineError(
        good.replace("\"num_key_value_heads\": 32", "\"num_key_value_heads\": 0"),
        "num_key_value_heads must be positive, got 0");
  }

  private static void assertOneLineError(String json, String expected) {
    assertThatThrownBy(() -> MemoryPlan.of(ModelSpec.parse(json), Dtype.FLOAT16))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(expected)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }
}
