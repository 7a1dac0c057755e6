package io.pagedstream.core.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.pagedstream.core.model.ModelSpec;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parameters, weight bytes and KV bytes per token of published models, from their real {@code
 * config.json}, against the figures their model cards and Hugging Face pages give.
 */
class PublishedModelsTest {

  /**
   * Config name; published parameter count (exact where the card or the checkpoint's safetensors
   * metadata gives it exactly, else the card's rounded figure); whether that count is exact; KV
   * bytes per token in 16 bits, known from the model's layers x KV heads x head_dim.
   */
  static Stream<Arguments> published() {
    return Stream.of(
        Arguments.of("llama-2-7b", 6_738_415_616L, true, 524_288L),
        Arguments.of("llama-2-13b", 13_015_864_320L, true, 819_200L),
        Arguments.of("llama-2-70b", 68_976_648_192L, true, 327_680L),
        Arguments.of("llama-3.1-8b", 8_030_261_248L, true, 131_072L),
        Arguments.of("llama-3.1-70b", 70_600_000_000L, false, 327_680L),
        Arguments.of("llama-3.2-1b", 1_240_000_000L, false, 32_768L),
        Arguments.of("llama-3.2-3b", 3_210_000_000L, false, 114_688L),
        Arguments.of("mistral-7b-v0.1", 7_241_732_096L, true, 131_072L),
        Arguments.of("mistral-nemo-base-2407", 12_200_000_000L, false, 163_840L),
        Arguments.of("qwen2.5-0.5b", 494_032_768L, true, 12_288L),
        Arguments.of("qwen2.5-1.5b", 1_540_000_000L, false, 28_672L),
        Arguments.of("qwen2.5-3b", 3_090_000_000L, false, 36_864L),
        Arguments.of("qwen2.5-7b", 7_610_000_000L, false, 57_344L),
        Arguments.of("qwen2.5-14b", 14_700_000_000L, false, 196_608L),
        Arguments.of("qwen2.5-72b", 72_700_000_000L, false, 327_680L),
        Arguments.of("tinyllama-1.1b-chat-v1.0", 1_100_048_384L, true, 22_528L),
        Arguments.of("smollm-135m", 134_515_008L, true, 23_040L));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("published")
  void parametersWithinHalfAPercentOfPublished(
      String name, long published, boolean exact, long kv16) {
    long counted = plan(name, Dtype.FLOAT16).parameters().total();
    assertThat((double) counted).as(name).isCloseTo(published, within(published * 0.005));
    if (exact) {
      assertThat(counted).as(name + " (exact count published)").isEqualTo(published);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("published")
  void kvBytesPerTokenExact(String name, long published, boolean exact, long kv16) {
    ModelSpec spec = PublishedConfigs.spec(name);
    MemoryPlan plan = plan(name, Dtype.FLOAT16);
    assertThat(plan.kvBytesPerToken()).as(name).isEqualTo(kv16);
    assertThat(plan.withKvDtype(Dtype.BFLOAT16).kvBytesPerToken()).isEqualTo(kv16);
    assertThat(plan.withKvDtype(Dtype.FLOAT32).kvBytesPerToken()).isEqualTo(2 * kv16);
    assertThat(plan.withKvDtype(Dtype.FLOAT8).kvBytesPerToken()).isEqualTo(kv16 / 2);
    assertThat(plan.withKvDtype(Dtype.INT8).kvBytesPerToken()).isEqualTo(kv16 / 2);
    assertThat(plan.withKvDtype(Dtype.INT4).kvBytesPerToken()).isEqualTo(kv16 / 4);
    assertThat(plan.kvBytesPerToken()).isEqualTo(spec.kvBytesPerToken(2));
    // the KV dtype is independent of the weights
    assertThat(plan(name, Dtype.INT4).withKvDtype(Dtype.FLOAT16).kvBytesPerToken()).isEqualTo(kv16);
    assertThat(plan.withBlockSize(16).kvBytesPerBlock()).isEqualTo(16 * kv16);
    assertThat(plan.withBlockSize(7).kvBytesPerBlock()).isEqualTo(7 * kv16);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("published")
  void weightBytesAreParametersTimesDtypeBytes(
      String name, long published, boolean exact, long kv16) {
    long p = plan(name, Dtype.FLOAT32).parameters().total();
    assertThat(plan(name, Dtype.FLOAT32).weightBytes()).isEqualTo(4 * p);
    assertThat(plan(name, Dtype.FLOAT16).weightBytes()).isEqualTo(2 * p);
    assertThat(plan(name, Dtype.BFLOAT16).weightBytes()).isEqualTo(2 * p);
    assertThat(plan(name, Dtype.INT8).weightBytes()).isEqualTo(p);
    assertThat(plan(name, Dtype.INT4).weightBytes()).isEqualTo((p + 1) / 2);
  }

  @ParameterizedTest
  @EnumSource(Dtype.class)
  void weightBytesUseTheDtypeWidth(Dtype d) {
    long p = plan("smollm-135m", d).parameters().total();
    assertThat(plan("smollm-135m", d).weightBytes())
        .isEqualTo((long) Math.ceil(p * d.bytesPerElement()));
  }

  static MemoryPlan plan(String name, Dtype weights) {
    return MemoryPlan.of(PublishedConfigs.spec(name), weights);
  }
}
