package io.pagedstream.processor;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's intra-op thread count (the threads one operator, a matmul, runs on). DJL documents it
 * as process-wide ({@code ai.djl.pytorch.num_threads}, applied once when PyTorch loads), but in the
 * CPU natives it is OpenMP's and MKL's per-thread setting: {@code at::set_num_threads} changes the
 * calling thread's value, and the process default that threads which never set it pick up at their
 * first parallel operator. Each thread that runs operators gets its own OpenMP team of that size
 * (measured: a thread set to 1 adds no OS threads, one set to 4 adds 3). So each processor sets it
 * on its own engine thread, and N processors in one JVM with {@code --threads T} run N teams of T:
 * on C cores, T = C / N shares them instead of N teams of C fighting over them.
 */
public final class IntraOpThreads {

  private IntraOpThreads() {}

  /**
   * Sets the process's intra-op threads; {@code threads} 0 leaves PyTorch's default (one per core).
   */
  public static void set(int threads) {
    if (threads > 0) {
      Engine.getEngine("PyTorch"); // loads the natives first
      JniUtils.setNumThreads(threads);
    }
  }

  public static int current() {
    Engine.getEngine("PyTorch");
    return JniUtils.getNumThreads();
  }
}
