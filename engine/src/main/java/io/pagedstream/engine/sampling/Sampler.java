package io.pagedstream.engine.sampling;

import io.pagedstream.core.request.SamplingParams;
import java.util.Arrays;

/**
 * Picks the next token from a row of logits: argmax at temperature 0, else temperature, top-k,
 * top-p (in that order, as Hugging Face and vLLM apply them) and a draw.
 *
 * <p>The draw for output token n of a request comes from a hash of (seed, n), not from a stream of
 * random numbers. So a seeded request gives the same tokens whatever it was batched with and
 * however often it was preempted and recomputed.
 */
public final class Sampler {

  private Sampler() {}

  public static int sample(
      float[] logits, int offset, int vocab, SamplingParams params, long seed, int outputIndex) {
    if (params.isGreedy()) {
      return argmax(logits, offset, vocab);
    }
    double u = uniform(seed, outputIndex);
    double invTemp = 1.0 / params.temperature();
    int k = params.topK() > 0 ? Math.min(params.topK(), vocab) : vocab;
    if (k == vocab && params.topP() >= 1.0) {
      return drawAll(logits, offset, vocab, invTemp, u);
    }
    // sort descending by logit: pack (order-preserving float bits, index) into one long
    long[] keyed = new long[vocab];
    for (int i = 0; i < vocab; i++) {
      keyed[i] = ((long) sortableBits(logits[offset + i]) << 32) | (vocab - 1 - i);
    }
    Arrays.sort(keyed);
    double max = logits[offset + indexOf(keyed[vocab - 1], vocab)];
    double[] p = new double[k];
    double sum = 0;
    for (int r = 0; r < k; r++) {
      p[r] = Math.exp((logits[offset + indexOf(keyed[vocab - 1 - r], vocab)] - max) * invTemp);
      sum += p[r];
    }
    int keep = k;
    if (params.topP() < 1.0) {
      double cumulative = 0;
      for (int r = 0; r < k; r++) {
        cumulative += p[r] / sum;
        if (cumulative >= params.topP()) {
          keep = r + 1;
          break;
        }
      }
    }
    double kept = 0;
    for (int r = 0; r < keep; r++) {
      kept += p[r];
    }
    double target = u * kept;
    double acc = 0;
    for (int r = 0; r < keep; r++) {
      acc += p[r];
      if (target < acc) {
        return indexOf(keyed[vocab - 1 - r], vocab);
      }
    }
    return indexOf(keyed[vocab - 1 - (keep - 1)], vocab);
  }

  /** First index of the largest value (numpy's argmax tie rule). */
  public static int argmax(float[] logits, int offset, int vocab) {
    int best = 0;
    float bestValue = logits[offset];
    for (int i = 1; i < vocab; i++) {
      if (logits[offset + i] > bestValue) {
        bestValue = logits[offset + i];
        best = i;
      }
    }
    return best;
  }

  private static int drawAll(float[] logits, int offset, int vocab, double invTemp, double u) {
    float max = logits[offset + argmax(logits, offset, vocab)];
    double sum = 0;
    double[] p = new double[vocab];
    for (int i = 0; i < vocab; i++) {
      p[i] = Math.exp((logits[offset + i] - max) * invTemp);
      sum += p[i];
    }
    double target = u * sum;
    double acc = 0;
    for (int i = 0; i < vocab; i++) {
      acc += p[i];
      if (target < acc) {
        return i;
      }
    }
    return argmax(logits, offset, vocab);
  }

  /** A uniform number in [0, 1) determined by the seed and the output position alone. */
  static double uniform(long seed, int outputIndex) {
    long z = mix(seed + 0x9E3779B97F4A7C15L * (outputIndex + 1L));
    return (mix(z) >>> 11) * 0x1.0p-53;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Float bits mapped so that unsigned int order equals float order, then made signed-sortable. */
  private static int sortableBits(float f) {
    int bits = Float.floatToIntBits(f);
    return bits >= 0 ? bits : bits ^ 0x7fffffff;
  }

  /** Ties keep the lower token id first because the index is stored reversed. */
  private static int indexOf(long key, int vocab) {
    return vocab - 1 - (int) (key & 0xffffffffL);
  }
}
