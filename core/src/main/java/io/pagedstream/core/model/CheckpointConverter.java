package io.pagedstream.core.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pagedstream.core.memory.Dtype;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Rewrites a single-file checkpoint with its tensors stored in another dtype:
 *
 * <pre>
 *   from/config.json        -> to/config.json        (torch_dtype set to the new dtype)
 *   from/model.safetensors  -> to/model.safetensors  (every tensor rounded to nearest even)
 *   from/tokenizer*.json …  -> to/…                  (copied as they are)
 * </pre>
 *
 * A {@code README.md} is not copied: it describes the original files, not the copy. Tensors are
 * converted one at a time, so the heap holds at most one tensor in float32.
 */
public final class CheckpointConverter {

  private static final Set<String> NOT_COPIED =
      Set.of("config.json", "model.safetensors", "README.md");

  private CheckpointConverter() {}

  /**
   * Converts the checkpoint in {@code from} into {@code to} (created if missing; not {@code from}
   * itself).
   */
  public static void convert(Path from, Path to, Dtype dtype) throws IOException {
    String stored = storedName(dtype);
    Path weights = from.resolve("model.safetensors");
    if (!Files.isRegularFile(weights)) {
      throw new ModelFormatException(
          from + " has no model.safetensors (sharded checkpoints are not converted)");
    }
    if (Files.exists(to) && Files.isSameFile(from, to)) {
      throw new IllegalArgumentException(
          "the converted copy must go to another folder than " + from);
    }
    Files.createDirectories(to);
    ObjectNode config =
        (ObjectNode) new ObjectMapper().readTree(from.resolve("config.json").toFile());
    config.put("torch_dtype", dtype.label());
    Files.writeString(to.resolve("config.json"), config.toPrettyString() + "\n");
    try (SafetensorsReader in = SafetensorsReader.open(weights)) {
      List<SafetensorsWriter.Entry> entries = new ArrayList<>();
      for (TensorInfo t : in.tensors().values()) {
        entries.add(
            new SafetensorsWriter.Entry(
                t.name(), stored, t.shape(), () -> floats(in.readFloats(t))));
      }
      SafetensorsWriter.write(to.resolve("model.safetensors"), entries);
    }
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(f) && !NOT_COPIED.contains(f.getFileName().toString())) {
          Files.copy(
              f, to.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  private static String storedName(Dtype dtype) {
    return switch (dtype) {
      case FLOAT32 -> "F32";
      case FLOAT16 -> "F16";
      case BFLOAT16 -> "BF16";
      default ->
          throw new IllegalArgumentException(
              "checkpoints are written in float32, float16 or bfloat16, not " + dtype);
    };
  }

  private static float[] floats(FloatBuffer b) {
    float[] v = new float[b.remaining()];
    b.get(v);
    return v;
  }
}
