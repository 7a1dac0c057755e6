package io.pagedstream.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.core.request.SamplingParams;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Greedy, temperature, top-k, top-p and seeds, on hand-made logits. */
class SamplerTest {

  private static final float[] LOGITS = {1.0f, 3.0f, 2.0f, 3.0f, -1.0f, 0.5f};

  private static SamplingParams sampled(double temperature, double topP, int topK, long seed) {
    return new SamplingParams(temperature, topP, topK, seed, 10, false);
  }

  @Test
  void greedyTakesTheFirstLargest() {
    assertThat(Sampler.sample(LOGITS, 0, LOGITS.length, SamplingParams.greedy(1), 0, 0))
        .isEqualTo(1);
    float[] padded = new float[10];
    System.arraycopy(LOGITS, 0, padded, 4, LOGITS.length);
    assertThat(Sampler.sample(padded, 4, LOGITS.length, SamplingParams.greedy(1), 0, 0))
        .isEqualTo(1);
  }

  @Test
  void topKOneAndTinyTopPAreGreedy() {
    for (long seed = 0; seed < 50; seed++) {
      assertThat(Sampler.sample(LOGITS, 0, LOGITS.length, sampled(1.5, 1.0, 1, seed), seed, 3))
          .isEqualTo(1);
      assertThat(Sampler.sample(LOGITS, 0, LOGITS.length, sampled(1.5, 1e-6, 0, seed), seed, 3))
          .isEqualTo(1);
    }
  }

  @Test
  void topKKeepsOnlyTheKMostLikely() {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      seen.add(Sampler.sample(LOGITS, 0, LOGITS.length, sampled(5.0, 1.0, 3, 7), 7, i));
    }
    assertThat(seen).containsExactlyInAnyOrder(1, 2, 3);
  }

  @Test
  void topPKeepsTheSmallestSetReachingP() {
    // softmax at T=1: 3.0 twice ~ 0.36 each, 2.0 ~ 0.13, 1.0 ~ 0.05...: 0.7 needs the two 3.0s
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      seen.add(Sampler.sample(LOGITS, 0, LOGITS.length, sampled(1.0, 0.7, 0, 9), 9, i));
    }
    assertThat(seen).containsExactlyInAnyOrder(1, 3);
  }

  @Test
  void drawsFollowTheSoftmaxAtTheTemperature() {
    double t = 2.0;
    double[] p = new double[LOGITS.length];
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.exp(LOGITS[i] / t);
      sum += p[i];
    }
    int n = 40_000;
    int[] counts = new int[LOGITS.length];
    for (int i = 0; i < n; i++) {
      counts[Sampler.sample(LOGITS, 0, LOGITS.length, sampled(t, 1.0, 0, 11), 11, i)]++;
    }
    for (int i = 0; i < p.length; i++) {
      double expected = p[i] / sum;
      // four standard deviations of a binomial proportion
      double tolerance = 4 * Math.sqrt(expected * (1 - expected) / n);
      assertThat((double) counts[i] / n)
          .as("token %d", i)
          .isCloseTo(expected, org.assertj.core.data.Offset.offset(tolerance));
    }
  }

  @Test
  void aSeedFixesTheDrawsAndDifferentSeedsDiffer() {
    int[] a = new int[200];
    int[] b = new int[200];
    int[] c = new int[200];
    for (int i = 0; i < 200; i++) {
      a[i] = Sampler.sample(LOGITS, 0, LOGITS.length, sampled(1.0, 1.0, 0, 1), 1, i);
      b[i] = Sampler.sample(LOGITS, 0, LOGITS.length, sampled(1.0, 1.0, 0, 1), 1, i);
      c[i] = Sampler.sample(LOGITS, 0, LOGITS.length, sampled(1.0, 1.0, 0, 2), 2, i);
    }
    assertThat(a).containsExactly(b);
    assertThat(a).isNotEqualTo(c);
  }

  @Test
  void uniformDrawsStayInTheUnitInterval() {
    for (int i = 0; i < 10_000; i++) {
      assertThat(Sampler.uniform(i * 31L, i)).isGreaterThanOrEqualTo(0).isLessThan(1);
    }
  }
}
