package io.pagedstream.engine.precision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.pagedstream.core.memory.Dtype;

/**
 * Converts float32 activations into the dtype a product or the KV cache needs, and back.
 *
 * <p>float16 converts with {@code toType}. bfloat16 cannot (DJL would abort), so the values are
 * copied into a bfloat16 scratch array with {@code set}, which PyTorch converts in place; the view
 * returned is valid until the next bfloat16 cast, which is safe because every consumer runs before
 * the next cast is issued (synchronously on the CPU, in stream order on a GPU). Not thread-safe:
 * one per engine thread.
 */
public final class Caster implements AutoCloseable {

  private final Precision precision;
  private final NDManager owner;
  private NDArray scratch;
  private long capacity;

  Caster(Precision precision, NDManager owner) {
    this.precision = precision;
    this.owner = owner;
  }

  /** {@code x} (float32, {@code [rows, cols]}) in dtype {@code d}. */
  public NDArray cast(NDArray x, Dtype d) {
    return castRows(x, (int) x.getShape().get(0), d);
  }

  /**
   * {@code x} ({@code [rows, ...]}, float32) in dtype {@code d} with {@code paddedRows >= rows}
   * rows. The extra rows hold finite values that only affect their own output rows of a product.
   */
  public NDArray castRows(NDArray x, int paddedRows, Dtype d) {
    Shape shape = x.getShape();
    int rows = (int) shape.get(0);
    return switch (d) {
      case FLOAT32 -> pad(x, rows, paddedRows);
      case FLOAT16 -> pad(x.toType(DataType.FLOAT16, false), rows, paddedRows);
      case BFLOAT16 -> {
        long rowSize = shape.size() / Math.max(rows, 1);
        long[] dims = shape.getShape().clone();
        dims[0] = paddedRows;
        NDArray view =
            scratch(paddedRows * rowSize)
                .get(new NDIndex("0:" + paddedRows * rowSize))
                .reshape(new Shape(dims));
        view.set(new NDIndex("0:" + rows), x);
        yield view;
      }
      default -> throw new IllegalArgumentException("not a runnable dtype: " + d);
    };
  }

  /**
   * {@code x} (float32) in dtype {@code d}, in an array of its own on {@code x}'s manager (unlike
   * {@link #cast}, which may return a view of the scratch).
   */
  public NDArray persistent(NDArray x, Dtype d) {
    return precision.copyOf(x, d);
  }

  /** {@code x} as float32 (itself when it already is). */
  public NDArray toFloat32(NDArray x) {
    return x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
  }

  private static NDArray pad(NDArray x, int rows, int paddedRows) {
    if (paddedRows == rows) {
      return x;
    }
    long[] dims = x.getShape().getShape().clone();
    dims[0] = paddedRows - rows;
    NDArray zeros = x.getManager().zeros(new Shape(dims), x.getDataType());
    return NDArrays.concat(new NDList(x, zeros), 0);
  }

  /** The flat bfloat16 scratch, grown to at least {@code elements}; outlives any step's scope. */
  private NDArray scratch(long elements) {
    if (elements > capacity) {
      if (scratch != null) {
        scratch.close();
      }
      capacity = Math.max(elements, 2 * capacity);
      scratch = precision.zeros(owner, new Shape(capacity), Dtype.BFLOAT16);
      NDScope.unregister(scratch);
    }
    return scratch;
  }

  @Override
  public void close() {
    if (scratch != null) {
      scratch.close();
    }
  }
}
