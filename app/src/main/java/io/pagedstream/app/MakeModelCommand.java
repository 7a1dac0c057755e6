package io.pagedstream.app;

import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.model.ModelPreset;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.core.model.RandomModelWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pagedstream make-model}: a random-weight model of a preset shape, for benchmarks. */
@Command(
    name = "make-model",
    mixinStandardHelpOptions = true,
    description =
        "Write a model with random weights in the Hugging Face layout (config.json + model.safetensors).")
final class MakeModelCommand implements Callable<Integer> {

  @Option(
      names = "--preset",
      required = true,
      description = "model shape: ${COMPLETION-CANDIDATES}",
      completionCandidates = PresetNames.class)
  String preset;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "random seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--out", required = true, description = "folder to write")
  Path out;

  @Option(
      names = "--dtype",
      defaultValue = "float32",
      description =
          "dtype the tensors are stored in: float32, float16 or bfloat16 (default: ${DEFAULT-VALUE})")
  String dtype;

  @Override
  public Integer call() throws Exception {
    ModelSpec spec = ModelPreset.get(preset);
    long start = System.nanoTime();
    Dtype stored = Dtype.parse(dtype);
    RandomModelWriter.write(spec, seed, out, stored);
    System.out.printf(
        "wrote %s (%s in %s: %d layers, hidden %d, %d heads / %d KV heads, vocab %d) in %.1f s%n",
        out,
        preset,
        stored,
        spec.numLayers(),
        spec.hiddenSize(),
        spec.numHeads(),
        spec.numKvHeads(),
        spec.vocabSize(),
        (System.nanoTime() - start) / 1e9);
    return 0;
  }

  static final class PresetNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return ModelPreset.names().iterator();
    }
  }
}
