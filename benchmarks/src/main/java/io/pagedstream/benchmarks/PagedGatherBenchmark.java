package io.pagedstream.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
 * The paged attention gather: K rows of {@code sequences} sequences of {@code context} tokens, read
 * through block tables whose blocks are scattered over the pool (as after many admissions and
 * evictions), against reading the same amount from one contiguous slice.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PagedGatherBenchmark {

  @Param({"1", "16", "64"})
  int sequences;

  @Param({"128", "512"})
  int context;

  @Param({"16"})
  int blockSize;

  private NDManager manager;
  private NDArray cache;
  private NDArray slots;

  @Setup(Level.Trial)
  public void setUp() {
    manager = NDManager.newBaseManager("PyTorch");
    int blocksPerSeq = (context + blockSize - 1) / blockSize;
    int numBlocks = sequences * blocksPerSeq * 2;
    // smollm-135m's KV shape per layer: 3 KV heads x head dim 64
    cache = manager.randomNormal(new Shape((long) numBlocks * blockSize, 3, 64));
    List<Integer> blocks = new ArrayList<>();
    for (int b = 0; b < numBlocks; b++) {
      blocks.add(b);
    }
    Collections.shuffle(blocks, new java.util.Random(1));
    long[] idx = new long[sequences * context];
    for (int s = 0; s < sequences; s++) {
      for (int p = 0; p < context; p++) {
        idx[s * context + p] =
            (long) blocks.get(s * blocksPerSeq + p / blockSize) * blockSize + p % blockSize;
      }
    }
    slots = manager.create(idx);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    manager.close();
  }

  @Benchmark
  public float pagedGather() {
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      return cache.get(new NDIndex("{}", slots)).getFloat(0, 0, 0);
    }
  }

  @Benchmark
  public float contiguousCopy() {
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      return cache.get(new NDIndex("0:" + (sequences * context))).duplicate().getFloat(0, 0, 0);
    }
  }
}
