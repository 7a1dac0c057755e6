package io.pagedstream.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.pagedstream.core.memory.Dtype;
import io.pagedstream.engine.model.PackedLinear;
import io.pagedstream.engine.precision.Precision;
import io.pagedstream.engine.precision.TorchScript;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One row times smollm-135m's gate/up matrix (576 x 3,072, bfloat16, 3.5 MB), the product a batch-1
 * decode runs 30 times a token, through each kernel PyTorch offers for it. With {@code matrices =
 * 30} every call reads another matrix, so the weights stream from DRAM as in a decode (together
 * they exceed the L3 cache); with 1 the matrix stays cached, which flatters every kernel. Bytes per
 * call over the time is the bandwidth a batch-1 token gets.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class OneRowProductBenchmark {

  @Param({"1", "30"})
  int matrices;

  private NDManager manager;
  private Precision precision;
  private PackedLinear packed;
  private TorchScript mv;
  private TorchScript linear;
  private NDArray[] plain;
  private NDArray[] packedWeights;
  private NDArray row;
  private NDArray vector;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    manager = NDManager.newBaseManager("PyTorch");
    precision = Precision.open(manager, Dtype.BFLOAT16, Dtype.BFLOAT16);
    packed = PackedLinear.open(manager).orElseThrow();
    mv = TorchScript.load(manager, "Mv", "w: Tensor, x: Tensor", "return torch.mv(w, x)");
    linear =
        TorchScript.load(manager, "Linear", "x: Tensor, w: Tensor", "return torch.linear(x, w)");
    plain = new NDArray[matrices];
    packedWeights = new NDArray[matrices];
    for (int i = 0; i < matrices; i++) {
      NDArray f = manager.randomNormal(new Shape(3072, 576));
      plain[i] = precision.copyOf(f, Dtype.BFLOAT16);
      f.close();
      packedWeights[i] = packed.pack(plain[i].transpose());
    }
    row = precision.copyOf(manager.randomNormal(new Shape(1, 576)), Dtype.BFLOAT16);
    vector = row.reshape(576);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    mv.close();
    linear.close();
    packed.close();
    precision.close();
    manager.close();
  }

  private int nextMatrix() {
    next = (next + 1) % matrices;
    return next;
  }

  /** What the engine runs: oneDNN's product against weights packed at load. */
  @Benchmark
  public long packedOneDnn() {
    return freed(packed.apply(row, packedWeights[nextMatrix()]));
  }

  /** PyTorch's linear on the plain row-major matrix (oneDNN, repacking on every call). */
  @Benchmark
  public long plainLinear() {
    return freed(linear.forward(row, plain[nextMatrix()]));
  }

  /** PyTorch's matrix-vector product (its gemv). */
  @Benchmark
  public long matrixVector() {
    return freed(mv.forward(plain[nextMatrix()], vector));
  }

  /** The product's size, after freeing it (each call's result would otherwise pile up). */
  private static long freed(NDArray product) {
    long size = product.getShape().size();
    product.close();
    return size;
  }
}
