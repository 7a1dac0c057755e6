package io.pagedstream.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.pagedstream.core.model.ModelSpec;

/**
 * Rotary position embedding in the rotate-half layout of Hugging Face's Llama (pair i is dimensions
 * i and i + headDim/2). Angles are computed the way the reference implementations do, in float32
 * ({@code angle = (float) position * (float) invFreq}), so long positions match them.
 */
final class Rope {

  private final NDArray cos;
  private final NDArray sin;
  private final int half;

  Rope(NDManager manager, ModelSpec spec) {
    int dim = spec.headDim();
    half = dim / 2;
    int positions = spec.maxPositionEmbeddings();
    float[] inv = new float[half];
    for (int i = 0; i < half; i++) {
      double f = 1.0 / Math.pow(spec.ropeTheta(), (2.0 * i) / dim);
      inv[i] = (float) (spec.ropeScaling() == null ? f : spec.ropeScaling().scale(f));
    }
    float[] c = new float[positions * half];
    float[] s = new float[positions * half];
    for (int p = 0; p < positions; p++) {
      for (int i = 0; i < half; i++) {
        float angle = (float) p * inv[i];
        c[p * half + i] = (float) Math.cos(angle);
        s[p * half + i] = (float) Math.sin(angle);
      }
    }
    cos = manager.create(c, new Shape(positions, half));
    sin = manager.create(s, new Shape(positions, half));
  }

  /** cos and sin rows for the given positions, shaped {@code [T, 1, headDim/2]}. */
  NDList tables(NDArray positions) {
    NDIndex at = new NDIndex("{}", positions);
    return new NDList(cos.get(at).expandDims(1), sin.get(at).expandDims(1));
  }

  /** Rotates {@code x} of shape {@code [T, heads, headDim]}. */
  NDArray apply(NDArray x, NDList tables) {
    NDArray c = tables.get(0);
    NDArray s = tables.get(1);
    NDArray x1 = x.get(new NDIndex(":, :, 0:" + half));
    NDArray x2 = x.get(new NDIndex(":, :, " + half + ":"));
    return NDArrays.concat(new NDList(x1.mul(c).subi(x2.mul(s)), x2.mul(c).addi(x1.mul(s))), -1);
  }
}
