package io.pagedstream.engine.precision;

import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns {@code --dtype} and {@code --kv-cache-dtype} into the dtypes an engine runs, before it is
 * loaded, so that the memory plan, the batcher's estimates and the engine's pool use the same byte
 * counts.
 *
 * <ul>
 *   <li>{@code auto} is the checkpoint's {@code torch_dtype}, as in vLLM; a float16 checkpoint on a
 *       CPU without float16 arithmetic runs in bfloat16 instead (vLLM's CPU backend does the same),
 *       because PyTorch there emulates float16 products at a fraction of float32's speed.
 *   <li>an explicit dtype is honoured; float16 on such a CPU gets a notice saying what it costs.
 *   <li>{@code --kv-cache-dtype auto} is the weights' dtype.
 * </ul>
 *
 * @param weights the dtype weights are stored and dense products computed in
 * @param kv the dtype of the KV cache
 * @param notices one line each, for the user, when the choice is not what was literally asked
 */
public record DtypeChoice(Dtype weights, Dtype kv, List<String> notices) {

  public DtypeChoice {
    notices = List.copyOf(notices);
  }

  /**
   * What the named device runs for the requested names; {@code cpuFlags} as /proc/cpuinfo lists
   * them.
   */
  public static DtypeChoice resolve(
      String dtype, String kvCacheDtype, ModelSpec spec, String device, Set<String> cpuFlags) {
    List<String> notices = new ArrayList<>();
    boolean cpu = !device.equals("cuda") && !device.equals("gpu");
    boolean fastHalf = cpuFlags.contains("avx512_fp16") || cpuFlags.contains("amx_fp16");
    Dtype weights;
    if (isAuto(dtype)) {
      weights = checkpointDtype(spec);
      if (cpu && weights == Dtype.FLOAT16 && !fastHalf) {
        weights = Dtype.BFLOAT16;
        notices.add(
            "the checkpoint is float16 but this CPU has no float16 arithmetic (no avx512_fp16 or amx_fp16): "
                + "running bfloat16 (--dtype float16 to insist)");
      }
    } else {
      weights = runnable(dtype, "--dtype");
      if (cpu && weights == Dtype.FLOAT16 && !fastHalf) {
        notices.add(
            "float16 on this CPU (no avx512_fp16 or amx_fp16) is emulated and much slower than float32; "
                + "bfloat16 is the fast half-precision dtype here");
      }
    }
    Dtype kv = isAuto(kvCacheDtype) ? weights : runnable(kvCacheDtype, "--kv-cache-dtype");
    return new DtypeChoice(weights, kv, notices);
  }

  /** {@link #resolve} with this machine's CPU flags. */
  public static DtypeChoice resolve(
      String dtype, String kvCacheDtype, ModelSpec spec, String device) {
    return resolve(dtype, kvCacheDtype, spec, device, cpuFlags());
  }

  /** The checkpoint's {@code torch_dtype}; float32 when it names none the engine runs. */
  public static Dtype checkpointDtype(ModelSpec spec) {
    try {
      Dtype d = Dtype.parse(spec.torchDtype());
      return Precision.RUNNABLE.contains(d) ? d : Dtype.FLOAT32;
    } catch (IllegalArgumentException e) {
      return Dtype.FLOAT32;
    }
  }

  private static boolean isAuto(String name) {
    return name == null || name.isBlank() || name.trim().equalsIgnoreCase("auto");
  }

  private static Dtype runnable(String name, String option) {
    Dtype d = null;
    try {
      d = Dtype.parse(name);
    } catch (IllegalArgumentException e) {
      // refused below with the option's own wording
    }
    if (d == null || !Precision.RUNNABLE.contains(d)) {
      throw new IllegalArgumentException(
          option + " must be auto, float32, float16 or bfloat16, got '" + name + "'");
    }
    return d;
  }

  /** The flags of the first processor in /proc/cpuinfo; empty where there is none (not Linux). */
  public static Set<String> cpuFlags() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("flags")) {
          return Set.copyOf(
              java.util.Arrays.asList(
                  line.substring(line.indexOf(':') + 1)
                      .trim()
                      .toLowerCase(Locale.ROOT)
                      .split("\\s+")));
        }
      }
    } catch (IOException | RuntimeException e) {
      // unknown CPU: no claims about fast half precision
    }
    return Set.of();
  }
}
