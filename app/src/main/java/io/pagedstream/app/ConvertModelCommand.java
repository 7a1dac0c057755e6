package io.pagedstream.app;

import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.model.CheckpointConverter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pagedstream convert-model}: a checkpoint rewritten in another dtype (how the demo model
 * was made).
 */
@Command(
    name = "convert-model",
    mixinStandardHelpOptions = true,
    description =
        "Copy a model folder with its tensors stored in another dtype (float32, float16 or bfloat16): "
            + "config.json gets the new torch_dtype, the tokenizer files are copied, README.md is not.")
final class ConvertModelCommand implements Callable<Integer> {

  @Option(
      names = "--model",
      required = true,
      description = "model folder to read (config.json + model.safetensors)")
  Path model;

  @Option(names = "--out", required = true, description = "folder to write")
  Path out;

  @Option(
      names = "--dtype",
      defaultValue = "float16",
      description =
          "dtype to store the tensors in: float32, float16 or bfloat16 (default: ${DEFAULT-VALUE})")
  String dtype;

  @Override
  public Integer call() throws Exception {
    Dtype target = Dtype.parse(dtype);
    long start = System.nanoTime();
    CheckpointConverter.convert(model, out, target);
    System.out.printf(
        "wrote %s (%s in %s, %.1f MB) in %.1f s%n",
        out,
        model,
        target,
        Files.size(out.resolve("model.safetensors")) / 1e6,
        (System.nanoTime() - start) / 1e9);
    return 0;
  }
}
