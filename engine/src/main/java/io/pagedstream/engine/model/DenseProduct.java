package io.pagedstream.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import io.pagedstream.core.memory.Dtype;
import io.pagedstream.engine.precision.Caster;

/**
 * {@code x @ weight} for float32 activations and weights in the engine's weight dtype: the
 * activations are converted to that dtype (the product then runs in it, accumulating in float32
 * inside the kernel), and the result comes back as float32.
 */
public final class DenseProduct {

  private final Caster caster;
  private final Dtype dtype;
  private final PackedLinear packed;

  /**
   * @param packed packs the weights and runs the products on them, or null for plain products
   */
  public DenseProduct(Caster caster, Dtype dtype, PackedLinear packed) {
    this.caster = caster;
    this.dtype = dtype;
    this.packed = packed;
  }

  /**
   * Columns of the activations a {@link #prepare}d weight multiplies (packed ones are [out, in]).
   */
  public long inputWidth(NDArray prepared) {
    return prepared.getShape().get(packed == null ? 0 : 1);
  }

  /** The form {@link #apply} takes {@code weight} ({@code [in, out]}) in: packed, or as it is. */
  public NDArray prepare(NDArray weight) {
    return packed == null ? weight : packed.pack(weight);
  }

  /**
   * Rows below which a product runs slower than at this count. oneDNN's bfloat16 kernels for 1-3
   * rows stream the weights at about 7 GB/s on the machine this was measured on, 4 rows at about 12
   * GB/s (smollm's gate/up matrix: 504 vs 300 us), so a decode of one sequence pads to 4 rows. With
   * packed weights ({@link PackedLinear}) 1 row is the fastest, and nothing is padded. float32
   * products are padded to 4 rows for batch invariance anyway, and float16 products without
   * hardware support are compute-bound, where padding only costs.
   */
  public int minRows() {
    return dtype == Dtype.BFLOAT16 && packed == null ? 4 : 1;
  }

  /**
   * The product of {@code x}'s rows and a {@link #prepare}d weight, computed as a product of {@code
   * paddedRows} rows.
   */
  public NDArray apply(NDArray x, NDArray weight, int paddedRows) {
    int rows = (int) x.getShape().get(0);
    NDArray in = caster.castRows(x, paddedRows, dtype);
    NDArray y = packed == null ? in.matMul(weight) : packed.apply(in, weight);
    if (paddedRows != rows) {
      y = y.get(new NDIndex("0:" + rows));
    }
    return caster.toFloat32(y);
  }
}
