package io.pagedstream.engine.precision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Makes bfloat16 arrays, which DJL 0.33 cannot ask PyTorch for (see the package documentation): a
 * one-line {@link TorchScript} module, {@code x.to(torch.bfloat16)}, does the conversion inside
 * PyTorch, where the dtype is never named across JNI.
 *
 * <p>The arrays it returns report {@code DataType.UNKNOWN} in Java. PyTorch knows them as bfloat16
 * and runs matmul, add, mul, views, gathers, {@code set} (which converts its float32 source in
 * place) and {@code toType(FLOAT32 | FLOAT16)} on them; any DJL call that passes the array's own
 * dtype back to native code (softmax, zerosLike, toDevice with a copy, ...) would abort the
 * process, so {@link Precision} confines them to those operations.
 */
public final class Bfloat16Arrays implements AutoCloseable {

  private final TorchScript module;
  private final TorchScript uninitialized;
  private final NDManager manager;

  private Bfloat16Arrays(TorchScript module, TorchScript uninitialized, NDManager manager) {
    this.module = module;
    this.uninitialized = uninitialized;
    this.manager = manager;
  }

  /** Loads the conversion module onto the manager's device. */
  public static Bfloat16Arrays open(NDManager manager) {
    TorchScript convert =
        TorchScript.load(
            manager,
            "ToBf16",
            "x: Tensor",
            "return torch.contiguous(torch.to(x, " + TorchScript.BFLOAT16 + "))");
    try {
      TorchScript empty =
          TorchScript.load(
              manager,
              "EmptyBf16",
              "x: Tensor",
              "return torch.empty(torch.size(x), dtype="
                  + TorchScript.BFLOAT16
                  + ", layout=None, device=ops.prim.device(x), pin_memory=None)");
      return new Bfloat16Arrays(convert, empty, manager);
    } catch (RuntimeException e) {
      convert.close();
      throw e;
    }
  }

  /** A contiguous bfloat16 copy of {@code x} (any float dtype), attached to {@code x}'s manager. */
  public NDArray convert(NDArray x) {
    return module.forward(x);
  }

  /** A bfloat16 array of zeros, made without a float32 array of the same size. */
  public NDArray zeros(NDManager target, Shape shape) {
    return ofShape(module, target, shape);
  }

  /**
   * A bfloat16 array whose contents are whatever its memory held: for storage that is written
   * before it is read, and whose pages then become resident only as they are written.
   */
  public NDArray uninitialized(NDManager target, Shape shape) {
    return ofShape(uninitialized, target, shape);
  }

  /**
   * {@code maker}'s result for a zero of {@code shape} that is a broadcast view (one element in
   * memory), attached to {@code target}.
   */
  private NDArray ofShape(TorchScript maker, NDManager target, Shape shape) {
    try (NDManager m = manager.newSubManager()) {
      NDArray out = maker.forward(m.zeros(new Shape(1)).broadcast(shape));
      out.attach(target);
      return out;
    }
  }

  @Override
  public void close() {
    module.close();
    uninitialized.close();
  }
}
