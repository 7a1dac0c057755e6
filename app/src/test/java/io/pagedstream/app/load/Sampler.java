package io.pagedstream.app.load;

import io.pagedstream.devcluster.DevCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Samples memory and the pipeline's load at a fixed period on a thread of its own. */
final class Sampler implements AutoCloseable {

  /** One sample; {@code produced} is what the producer had sent by then. */
  record Sample(
      long elapsedMs, JvmMemory memory, long heapAfterLastGc, long produced, PipelineLoad load) {
    long inKafka() {
      return load.inKafka(produced);
    }
  }

  private final DevCluster pipeline;
  private final GcWatcher gc;
  private final AtomicLong produced;
  private final long startNanos = System.nanoTime();
  private final List<Sample> samples = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  Sampler(DevCluster pipeline, GcWatcher gc, AtomicLong produced, Duration period) {
    this.pipeline = pipeline;
    this.gc = gc;
    this.produced = produced;
    this.thread =
        new Thread(
            () -> {
              while (running) {
                sample();
                try {
                  Thread.sleep(period.toMillis());
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "memory-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  Sample sample() {
    Sample s =
        new Sample(
            (System.nanoTime() - startNanos) / 1_000_000,
            JvmMemory.now(),
            gc.lastAfterGc(),
            produced.get(),
            PipelineLoad.of(pipeline));
    synchronized (samples) {
      samples.add(s);
    }
    return s;
  }

  List<Sample> samples() {
    synchronized (samples) {
      return List.copyOf(samples);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join();
  }
}
