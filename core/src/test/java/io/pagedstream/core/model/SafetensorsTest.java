package io.pagedstream.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors reader and writer: dtypes, round trips, and one-line errors for bad files. */
class SafetensorsTest {

  @TempDir Path dir;

  private static float[] values(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextGaussian() * 3);
    }
    v[0] = 0f;
    v[1] = -0f;
    v[2] = 65504f;
    v[3] = 6.0e-8f;
    return v;
  }

  @Test
  void f32F16AndBf16RoundTripWithinTheirPrecision() throws IOException {
    float[] v = values(1000, 1);
    Path file = dir.resolve("t.safetensors");
    SafetensorsWriter.write(
        file,
        List.of(
            new SafetensorsWriter.Entry("f32", "F32", new long[] {10, 100}, () -> v),
            new SafetensorsWriter.Entry("f16", "F16", new long[] {1000}, () -> v),
            new SafetensorsWriter.Entry("bf16", "BF16", new long[] {20, 50}, () -> v)));
    try (SafetensorsReader r = SafetensorsReader.open(file)) {
      assertThat(r.tensors().keySet()).containsExactly("f32", "f16", "bf16");
      float[] f32 = floats(r, "f32", 10, 100);
      float[] f16 = floats(r, "f16", 1000);
      float[] bf16 = floats(r, "bf16", 20, 50);
      assertThat(f32).containsExactly(v);
      for (int i = 0; i < v.length; i++) {
        // half precision keeps 11 significant bits, bfloat16 keeps 8
        assertThat(f16[i])
            .isCloseTo(v[i], org.assertj.core.data.Offset.offset(Math.abs(v[i]) / 1024 + 6e-8f));
        assertThat(bf16[i])
            .isCloseTo(v[i], org.assertj.core.data.Offset.offset(Math.abs(v[i]) / 128 + 1e-30f));
      }
      assertThat(f16[2]).isEqualTo(65504f);
      assertThat(Float.floatToRawIntBits(f16[1])).isEqualTo(Float.floatToRawIntBits(-0f));
      // chunked reads see the same values as a whole read
      java.nio.FloatBuffer part = java.nio.FloatBuffer.allocate(7);
      r.readFloats(r.info("bf16", 20, 50), 993, part);
      assertThat(part.array()).containsExactly(java.util.Arrays.copyOfRange(bf16, 993, 1000));
    }
  }

  private static float[] floats(SafetensorsReader r, String name, long... shape) {
    java.nio.FloatBuffer b = r.readFloats(r.info(name, shape));
    float[] out = new float[b.remaining()];
    b.get(out);
    return out;
  }

  @Test
  void halfFloatConversionIsExactForEveryHalf() {
    for (int h = 0; h < 0x10000; h++) {
      float f = HalfFloat.toFloat((short) h);
      if (Float.isNaN(f)) {
        continue;
      }
      assertThat(HalfFloat.fromFloat(f)).as("half %04x", h).isEqualTo((short) h);
    }
  }

  @Test
  void missingTensorWrongShapeAndUnknownDtypeAreOneLineErrors() throws IOException {
    Path file = dir.resolve("t.safetensors");
    SafetensorsWriter.write(
        file,
        List.of(new SafetensorsWriter.Entry("w", "F32", new long[] {2, 3}, () -> new float[6])));
    try (SafetensorsReader r = SafetensorsReader.open(file)) {
      assertThatThrownBy(() -> r.info("nope", 2, 3))
          .isInstanceOf(ModelFormatException.class)
          .hasMessage("t.safetensors has no tensor nope");
      assertThatThrownBy(() -> r.info("w", 3, 2))
          .isInstanceOf(ModelFormatException.class)
          .hasMessage("tensor w has shape [2, 3], expected [3, 2]");
      assertThatThrownBy(() -> r.readFloats(new TensorInfo("q", "I8", new long[] {4}, 0, 4)))
          .hasMessageContaining("dtype I8; supported: F32, F16, BF16");
    }
  }

  @Test
  void truncatedAndGarbageFilesAreRefusedClearly() throws IOException {
    Path file = dir.resolve("t.safetensors");
    SafetensorsWriter.write(
        file,
        List.of(new SafetensorsWriter.Entry("w", "F32", new long[] {64}, () -> new float[64])));
    byte[] whole = Files.readAllBytes(file);
    Path truncated = dir.resolve("truncated.safetensors");
    Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length - 10));
    assertThatThrownBy(() -> SafetensorsReader.open(truncated))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("runs past the end of the file");
    Path garbage = dir.resolve("garbage.safetensors");
    Files.writeString(garbage, "this is not a safetensors file at all");
    assertThatThrownBy(() -> SafetensorsReader.open(garbage))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("bad safetensors header length");
  }
}
