package io.pagedstream.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.pagedstream.core.memory.Dtype;
import io.pagedstream.engine.precision.Precision;

/**
 * Measures the device's matmul rate in a dtype, the ceiling a decode step's arithmetic can reach in
 * that dtype (the denominator of the bench's model FLOPs utilization).
 */
public final class MatmulProbe {

  private MatmulProbe() {}

  /** GFLOP/s of repeated n x n x n float32 matmuls (after two untimed ones). */
  public static double gflops(Device device, int n, int repeats) {
    return gflops(device, n, repeats, Dtype.FLOAT32);
  }

  /**
   * GFLOP/s of n x n x n matmuls in {@code dtype}: two untimed, then at least {@code repeats} and
   * at least half a second's worth, so a slow dtype still gets a stable figure.
   */
  public static double gflops(Device device, int n, int repeats, Dtype dtype) {
    try (NDManager m = NDManager.newBaseManager(device, "PyTorch");
        Precision p = Precision.open(m, dtype, dtype)) {
      NDArray a = p.copyOf(m.randomNormal(new Shape(n, n)), dtype);
      NDArray b = p.copyOf(m.randomNormal(new Shape(n, n)), dtype);
      for (int i = 0; i < 2; i++) {
        once(a, b);
      }
      long start = System.nanoTime();
      int done = 0;
      while (done < repeats || System.nanoTime() - start < 500_000_000L) {
        once(a, b);
        done++;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return 2.0 * n * n * (double) n * done / seconds / 1e9;
    }
  }

  private static void once(NDArray a, NDArray b) {
    try (NDScope scope = new NDScope()) {
      // reading one element forces the (possibly asynchronous) device work to finish
      a.matMul(b).get(0, 0).toType(DataType.FLOAT32, false).getFloat();
      scope.suppressNotUsedWarning();
    }
  }
}
