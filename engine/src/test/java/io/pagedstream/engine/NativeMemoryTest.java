package io.pagedstream.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Decode steps leave no native memory behind: every per-step array is freed with its scope. */
class NativeMemoryTest {

  private static long rssKib() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  private static int decode(LlmEngine engine, int requests, int tokens) {
    for (int i = 0; i < requests; i++) {
      engine.add(
          "r" + System.nanoTime() + "-" + i,
          new int[] {1023, 5, 9},
          SamplingParams.greedy(tokens).withIgnoreEos(true));
    }
    int steps = 0;
    while (engine.hasUnfinished()) {
      engine.step();
      steps++;
    }
    return steps;
  }

  @Test
  void aThousandDecodeStepsKeepRssFlat() throws IOException {
    try (LlmEngine engine =
        LlmEngine.load(SharedData.model("tiny-stories-synth"), EngineConfig.defaults(512))) {
      // warm up: native libraries, allocator pools and the JIT settle in the first few hundred
      // steps
      decode(engine, 4, 300);
      System.gc();
      long before = rssKib();
      int steps = decode(engine, 4, 500) + decode(engine, 4, 500);
      System.gc();
      long after = rssKib();
      System.out.printf(
          "RSS before %d KiB, after %d decode steps %d KiB (%+d KiB)%n",
          before, steps, after, after - before);
      assertThat(steps).isGreaterThanOrEqualTo(1000);
      // a leak of even one small array per step would be ~1000 x (4 x 192 x 4 B) per layer: several
      // MB
      assertThat(after - before).isLessThan(8 * 1024);
    }
  }
}
