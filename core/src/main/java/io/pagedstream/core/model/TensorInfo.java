package io.pagedstream.core.model;

import java.util.Arrays;

/** One entry of a safetensors header: where a tensor's bytes are and how to read them. */
public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {

  public long elementCount() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /** Bytes per element for the dtypes we read, or -1 for any other. */
  public static int dtypeBytes(String dtype) {
    return switch (dtype) {
      case "F32" -> 4;
      case "F16", "BF16" -> 2;
      default -> -1;
    };
  }

  public String shapeText() {
    return Arrays.toString(shape);
  }
}
