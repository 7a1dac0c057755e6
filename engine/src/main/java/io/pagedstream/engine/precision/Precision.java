package io.pagedstream.engine.precision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.pagedstream.core.memory.Dtype;
import java.util.Objects;
import java.util.Set;

/**
 * The dtypes an engine stores and computes in: weights (and the dense products that read them) in
 * one, the KV cache in another, and everything that accumulates (RMSNorm, RoPE, softmax, the
 * residual stream between products, the final logits) in float32, as Hugging Face and vLLM keep
 * their reductions in float32.
 */
public final class Precision implements AutoCloseable {

  /** The dtypes the engine runs; 8- and 4-bit formats exist only in the memory plan. */
  public static final Set<Dtype> RUNNABLE = Set.of(Dtype.FLOAT32, Dtype.FLOAT16, Dtype.BFLOAT16);

  private final Dtype weights;
  private final Dtype kv;
  private final Bfloat16Arrays bf16;

  private Precision(Dtype weights, Dtype kv, Bfloat16Arrays bf16) {
    this.weights = weights;
    this.kv = kv;
    this.bf16 = bf16;
  }

  /**
   * Prepares the dtypes on the manager's device.
   *
   * @throws IllegalStateException when the device cannot make bfloat16 arrays
   */
  public static Precision open(NDManager manager, Dtype weights, Dtype kv) {
    for (Dtype d : new Dtype[] {weights, kv}) {
      if (!RUNNABLE.contains(Objects.requireNonNull(d))) {
        throw new IllegalArgumentException(
            "the engine runs float32, float16 or bfloat16, not " + d);
      }
    }
    Bfloat16Arrays bf16 =
        weights == Dtype.BFLOAT16 || kv == Dtype.BFLOAT16 ? Bfloat16Arrays.open(manager) : null;
    return new Precision(weights, kv, bf16);
  }

  /**
   * Whether this precision's bfloat16 arrays multiply correctly on the manager's device (a 2x2
   * try).
   */
  public boolean bfloat16Runs(NDManager manager) {
    try (NDManager m = manager.newSubManager()) {
      NDArray a = zeros(m, new Shape(2, 2), Dtype.BFLOAT16);
      a.set(new ai.djl.ndarray.index.NDIndex(":"), m.ones(new Shape(2, 2)));
      return a.matMul(a).toType(DataType.FLOAT32, false).getFloat(0, 0) == 2f;
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  public Dtype weights() {
    return weights;
  }

  public Dtype kv() {
    return kv;
  }

  /** A zero array of dtype {@code d}; bfloat16 ones report {@code DataType.UNKNOWN} to Java. */
  public NDArray zeros(NDManager m, Shape shape, Dtype d) {
    return switch (d) {
      case FLOAT32 -> m.zeros(shape, DataType.FLOAT32);
      case FLOAT16 -> m.zeros(shape, DataType.FLOAT16);
      case BFLOAT16 -> bf16.zeros(m, shape);
      default -> throw new IllegalArgumentException("not a runnable dtype: " + d);
    };
  }

  /**
   * An array of dtype {@code d} left as its memory was: for storage written before it is read (the
   * KV pool), whose pages the operating system then makes resident only as they are first written.
   */
  public NDArray uninitialized(NDManager m, Shape shape, Dtype d) {
    return switch (d) {
      case FLOAT32 -> m.create(shape, DataType.FLOAT32);
      case FLOAT16 -> m.create(shape, DataType.FLOAT16);
      case BFLOAT16 -> bf16.uninitialized(m, shape);
      default -> throw new IllegalArgumentException("not a runnable dtype: " + d);
    };
  }

  /** {@code x} (float32) copied into a new array of dtype {@code d} on {@code x}'s manager. */
  public NDArray copyOf(NDArray x, Dtype d) {
    if (d == Dtype.FLOAT32) {
      return x;
    }
    NDArray out = zeros(x.getManager(), x.getShape(), d);
    out.set(new ai.djl.ndarray.index.NDIndex(":"), x);
    return out;
  }

  /** A caster with its own scratch memory, for one thread's forward passes. */
  public Caster caster(NDManager owner) {
    return new Caster(this, owner);
  }

  @Override
  public void close() {
    if (bf16 != null) {
      bf16.close();
    }
  }
}
