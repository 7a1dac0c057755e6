package io.pagedstream.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

/** Measures the device's float32 matmul rate, the ceiling a decode step's arithmetic can reach. */
public final class MatmulProbe {

  private MatmulProbe() {}

  /** GFLOP/s of repeated n x n x n float32 matmuls (after two untimed ones). */
  public static double gflops(Device device, int n, int repeats) {
    try (NDManager m = NDManager.newBaseManager(device, "PyTorch")) {
      NDArray a = m.randomNormal(new Shape(n, n));
      NDArray b = m.randomNormal(new Shape(n, n));
      for (int i = 0; i < 2; i++) {
        try (NDScope scope = new NDScope()) {
          a.matMul(b).toFloatArray();
          scope.suppressNotUsedWarning();
        }
      }
      long start = System.nanoTime();
      for (int i = 0; i < repeats; i++) {
        try (NDScope scope = new NDScope()) {
          // reading one element forces the (possibly asynchronous) device work to finish
          a.matMul(b).get(0, 0).getFloat();
          scope.suppressNotUsedWarning();
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return 2.0 * n * n * (double) n * repeats / seconds / 1e9;
    }
  }
}
