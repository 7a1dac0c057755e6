package io.pagedstream.benchmarks;

import io.pagedstream.core.model.ModelPreset;
import io.pagedstream.core.model.RandomModelWriter;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.engine.EngineConfig;
import io.pagedstream.engine.LlmEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
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
 * One engine step decoding {@code batch} sequences of a random-weight model ({@code tiny} or {@code
 * smollm-135m}): scheduling, batch building, the forward pass over the paged cache and sampling.
 * Sequences are refilled between iterations so every measured step is a pure decode.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecodeStepBenchmark {

  @Param({"tiny"})
  String preset;

  @Param({"1", "16", "64"})
  int batch;

  private Path dir;
  private LlmEngine engine;
  private int generation;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("pagedstream-jmh-");
    RandomModelWriter.write(ModelPreset.get(preset), 1, dir);
    engine = LlmEngine.load(dir, EngineConfig.defaults(batch * 64 + 64));
  }

  /** Fresh sequences with 64-token prompts, prefilled, so measured steps only decode. */
  @Setup(Level.Iteration)
  public void refill() {
    while (engine.hasUnfinished()) {
      engine.step();
    }
    SplittableRandom rnd = new SplittableRandom(generation);
    int vocab = engine.spec().vocabSize();
    for (int i = 0; i < batch; i++) {
      engine.add(
          "g" + generation + "-" + i,
          rnd.ints(64, 0, vocab).toArray(),
          SamplingParams.greedy(engine.spec().maxPositionEmbeddings() - 64).withIgnoreEos(true));
    }
    generation++;
    engine.step();
  }

  @Benchmark
  public int decodeStep() {
    return engine.step().size();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    engine.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
