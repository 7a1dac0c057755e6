package io.pagedstream.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.pagedstream.engine.precision.TorchScript;
import java.util.Optional;

/**
 * Dense products against weight matrices packed once, at load, into oneDNN's blocked layout.
 *
 * <p>A plain {@code matMul} hands oneDNN the weights in PyTorch's row-major layout, and oneDNN's
 * bfloat16 kernels repack them into their blocked layout on every call: at decode sizes that copy
 * is most of the product. PyTorch keeps packed weights for exactly this case ({@code
 * torch.ops.mkldnn._reorder_linear_weight} and {@code _linear_pointwise}, which {@code
 * torch.compile} uses on CPUs), but DJL has no call for them, so two one-line {@link TorchScript}
 * modules reach them. Measured on the machine this was written on (smollm-135m's 576 x 3,072
 * gate/up and 576 x 49,152 LM head, bfloat16, µs per product, plain vs packed): 1 row 237 vs 98 and
 * 3,483 vs 1,847; 64 rows 751 vs 575 and 11,794 vs 9,131. The packed kernels sum in another order
 * than the plain ones, which is why every product of the engine, and the start-up batch-invariance
 * measurement, go through the same packed weights.
 */
public final class PackedLinear implements AutoCloseable {

  /**
   * The row count oneDNN packs for. 64 rows gave the fastest products from 1 to 64 rows above (a
   * 1-row hint made 1-row products slower, 273 vs 98 µs).
   */
  static final long ROWS_HINT = 64;

  private final TorchScript reorder;
  private final TorchScript linear;
  private final NDManager manager;

  private PackedLinear(TorchScript reorder, TorchScript linear, NDManager manager) {
    this.reorder = reorder;
    this.linear = linear;
    this.manager = manager;
  }

  /** The packed products on the manager's device, or empty where PyTorch lacks them. */
  public static Optional<PackedLinear> open(NDManager manager) {
    TorchScript reorder = null;
    try {
      reorder =
          TorchScript.load(
              manager,
              "PackLinearWeight",
              "w: Tensor, rows: Tensor",
              "return ops.mkldnn._reorder_linear_weight(w, int(rows))");
      TorchScript linear =
          TorchScript.load(
              manager,
              "PackedLinearProduct",
              "x: Tensor, w: Tensor",
              "return " + product("x", "w"));
      return Optional.of(new PackedLinear(reorder, linear, manager));
    } catch (IllegalStateException e) {
      if (reorder != null) {
        reorder.close();
      }
      return Optional.empty();
    }
  }

  /**
   * The TorchScript expression of the product of {@code x} (rows in the weights' dtype) and packed
   * {@code w}, for this class's module and {@link LayerScripts}.
   */
  static String product(String x, String w) {
    return "ops.mkldnn._linear_pointwise("
        + x
        + ", "
        + w
        + ", None, \"none\", annotate(List[Optional[number]], []), \"\")";
  }

  /** {@code weight} ({@code [in, out]}, a transposed view of {@code [out, in]}) packed. */
  public NDArray pack(NDArray weight) {
    try (NDManager m = manager.newSubManager()) {
      NDArray outIn = weight.transpose();
      NDArray packed = reorder.forward(outIn, m.create(ROWS_HINT));
      // the view shares the plain matrix's memory: left open, it would keep it for the engine's
      // life
      outIn.close();
      return packed;
    }
  }

  /** {@code x @ weight} for x {@code [rows, in]} in the weights' dtype and a packed weight. */
  public NDArray apply(NDArray x, NDArray packed) {
    return linear.forward(x, packed);
  }

  @Override
  public void close() {
    reorder.close();
    linear.close();
  }
}
