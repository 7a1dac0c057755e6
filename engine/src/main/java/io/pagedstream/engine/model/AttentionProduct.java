package io.pagedstream.engine.model;

import ai.djl.ndarray.NDArray;
import io.pagedstream.core.memory.Dtype;
import io.pagedstream.engine.precision.Caster;

/**
 * The two products of attention (queries times keys, probabilities times values) and the dtype they
 * run in.
 *
 * <p>When both the KV cache and the dense products are bfloat16, the products run in bfloat16,
 * reading the gathered K and V rows as stored, and return float32; scaling, the mask and softmax
 * stay float32. That is how Hugging Face's eager attention runs a bfloat16 model (its scores come
 * out of the product in bfloat16 too). Widening every gathered K and V row to float32 first, as the
 * engine did before, moved twice the bytes through two extra passes and ran the products at
 * float32's rate: a third of a batch-64 decode step went to attention.
 *
 * <p>float16 is widened instead: its scores can overflow (65,504 is its largest value; bfloat16 has
 * float32's range), and on a CPU without float16 arithmetic its products are emulated, slower than
 * float32's. So is every other combination (float32 weights, or a KV dtype other than the
 * products').
 */
public final class AttentionProduct {

  private final Caster caster;
  private final Dtype dtype;

  /**
   * @param kv the KV cache's dtype
   * @param dense the dense products' dtype
   */
  public AttentionProduct(Caster caster, Dtype kv, Dtype dense) {
    this.caster = caster;
    this.dtype = kv == Dtype.BFLOAT16 && dense == Dtype.BFLOAT16 ? kv : Dtype.FLOAT32;
  }

  /** The dtype the products run in. */
  public Dtype dtype() {
    return dtype;
  }

  /** K or V rows as gathered from the cache (in its dtype), in the products' dtype. */
  public NDArray operand(NDArray stored) {
    return dtype == Dtype.FLOAT32 ? caster.toFloat32(stored) : stored;
  }

  /**
   * {@code [batch, d, n]} from {@code [batch, n, d]} operand rows, for the scores' product. In
   * bfloat16 a view, which oneDNN reads as is. In float32 a contiguous copy, the layout the product
   * copied K into before the cache was head-major: with the transposed view, MKL's batched product
   * once gave a recomputed sequence another token in {@code SchedulingTest} (1 run in 4, so it
   * depends on more than shapes), which the copy has not.
   */
  public NDArray transposed(NDArray rows) {
    NDArray view = rows.transpose(0, 2, 1);
    if (dtype != Dtype.FLOAT32) {
      return view;
    }
    // flattening a transposed view is the one reshape that must copy
    return view.reshape(-1).reshape(view.getShape());
  }

  /**
   * {@code x @ y} for float32 {@code x} and {@code y} from {@link #operand} (or {@link #copy});
   * float32 result. Consumes the caster's scratch when the products run in bfloat16.
   */
  public NDArray times(NDArray x, NDArray y) {
    if (dtype == Dtype.FLOAT32) {
      return x.matMul(y);
    }
    return caster.toFloat32(caster.cast(x, dtype).matMul(y));
  }

  /** A float32 array as an operand in its own memory (for measurements, not the hot path). */
  NDArray copy(NDArray x) {
    return dtype == Dtype.FLOAT32 ? x : caster.persistent(x, dtype);
  }
}
