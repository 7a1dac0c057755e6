package io.pagedstream.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pagedstream.core.memory.Dtype;
import io.pagedstream.testing.SharedData;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real checkpoint converted to float16: same tensors and shapes, values rounded, config and
 * tokenizer kept.
 */
class CheckpointConverterTest {

  @TempDir Path dir;

  @Test
  void float16CopyHoldsTheRoundedValuesOfEveryTensor() throws IOException {
    Path from = SharedData.model("tiny-stories-synth");
    Path to = dir.resolve("half");
    CheckpointConverter.convert(from, to, Dtype.FLOAT16);

    ObjectMapper json = new ObjectMapper();
    assertThat(json.readTree(to.resolve("config.json").toFile()).get("torch_dtype").asText())
        .isEqualTo("float16");
    assertThat(ModelSpec.load(to).numLayers()).isEqualTo(ModelSpec.load(from).numLayers());
    assertThat(to.resolve("tokenizer.json")).hasSameBinaryContentAs(from.resolve("tokenizer.json"));
    assertThat(to.resolve("README.md")).doesNotExist();
    assertThat(Files.size(to.resolve("model.safetensors")))
        .isLessThan(Files.size(from.resolve("model.safetensors")) / 2 + 4096);

    try (SafetensorsReader a = SafetensorsReader.open(from.resolve("model.safetensors"));
        SafetensorsReader b = SafetensorsReader.open(to.resolve("model.safetensors"))) {
      assertThat(b.tensors().keySet()).containsExactlyElementsOf(a.tensors().keySet());
      for (TensorInfo t : a.tensors().values()) {
        TensorInfo h = b.info(t.name(), t.shape());
        assertThat(h.dtype()).isEqualTo("F16");
        FloatBuffer original = a.readFloats(t);
        FloatBuffer half = b.readFloats(h);
        for (int i = 0; i < original.limit(); i++) {
          float expected = HalfFloat.toFloat(HalfFloat.fromFloat(original.get(i)));
          assertThat(half.get(i)).as("%s[%d]", t.name(), i).isEqualTo(expected);
        }
      }
    }
  }

  @Test
  void refusesQuantizedTargetsAndFoldersWithoutWeights() {
    Path from = SharedData.model("tiny-stories-synth");
    assertThatThrownBy(() -> CheckpointConverter.convert(from, dir.resolve("q"), Dtype.INT8))
        .hasMessageContaining("not int8");
    assertThatThrownBy(() -> CheckpointConverter.convert(dir, dir.resolve("x"), Dtype.FLOAT16))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("no model.safetensors");
  }
}
