package io.pagedstream.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.model.HalfFloat;
import io.pagedstream.core.model.ModelFormatException;
import io.pagedstream.core.model.ModelPreset;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.core.model.RandomModelWriter;
import io.pagedstream.core.model.SafetensorsReader;
import io.pagedstream.core.model.SafetensorsWriter;
import io.pagedstream.core.model.TensorInfo;
import io.pagedstream.engine.precision.Precision;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Loading F32, F16 and BF16 checkpoints, whole or sharded, into every dtype the engine runs. */
class WeightsTest {

  @TempDir Path dir;

  @ParameterizedTest(name = "{0} checkpoint into {1}")
  @CsvSource({
    "FLOAT32,FLOAT32",
    "FLOAT32,FLOAT16",
    "FLOAT32,BFLOAT16",
    "FLOAT16,FLOAT32",
    "FLOAT16,FLOAT16",
    "FLOAT16,BFLOAT16",
    "BFLOAT16,FLOAT32",
    "BFLOAT16,FLOAT16",
    "BFLOAT16,BFLOAT16"
  })
  void everyStoredDtypeLoadsIntoEveryDtype(Dtype stored, Dtype target) throws IOException {
    ModelSpec spec = ModelPreset.get("tiny-qwen2");
    Path model = dir.resolve("m");
    RandomModelWriter.write(spec, 11, model, stored);
    assertThat(ModelSpec.load(model).torchDtype()).isEqualTo(stored.label());
    checkLoads(model, spec, target);
  }

  @Test
  void aShardedCheckpointLoadsLikeTheWholeOne() throws IOException {
    ModelSpec spec = ModelPreset.get("tiny");
    Path whole = dir.resolve("whole");
    RandomModelWriter.write(spec, 3, whole, Dtype.BFLOAT16);
    Path sharded = dir.resolve("sharded");
    shard(whole, sharded, 3);
    assertThat(Files.exists(sharded.resolve("model.safetensors"))).isFalse();
    checkLoads(sharded, spec, Dtype.BFLOAT16);
    checkLoads(sharded, spec, Dtype.FLOAT32);
  }

  @Test
  void aRandomMistralLayoutModelLoads() throws IOException {
    ModelSpec spec = ModelPreset.get("tiny-mistral");
    RandomModelWriter.write(spec, 3, dir);
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        Precision p = Precision.open(m, Dtype.FLOAT32, Dtype.FLOAT32);
        Weights w = Weights.load(dir, ModelSpec.load(dir), m, m.getDevice(), p)) {
      assertThat(w.layers()).hasSize(spec.numLayers());
      assertThat(w.lmHead().getShape().getShape())
          .containsExactly(spec.hiddenSize(), spec.vocabSize());
    }
  }

  @Test
  void aConfigWithoutWeightsIsAClearError() throws IOException {
    Files.writeString(
        dir.resolve("config.json"),
        RandomModelWriter.configJson(ModelPreset.get("tiny")).toString());
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        Precision p = Precision.open(m, Dtype.FLOAT32, Dtype.FLOAT32)) {
      assertThatThrownBy(() -> Weights.load(dir, ModelSpec.load(dir), m, m.getDevice(), p))
          .isInstanceOf(ModelFormatException.class)
          .hasMessageContaining("no model.safetensors");
    }
  }

  /**
   * Every matrix equals the checkpoint's values rounded to the target dtype; vectors stay exact.
   */
  private static void checkLoads(Path model, ModelSpec spec, Dtype target) {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        Precision p = Precision.open(m, target, target);
        Weights w = Weights.load(model, ModelSpec.load(model), m, m.getDevice(), p);
        Reference ref = new Reference(model)) {
      int h = spec.hiddenSize();
      int q = spec.numHeads() * spec.headDim();
      int kv = spec.numKvHeads() * spec.headDim();
      float[] embed = floats(w.embedding());
      assertThat(embed).containsExactly(round(ref.get("model.embed_tokens.weight"), target));
      // the fused q/k/v matrix, seen as [in, out]: column j of it is row j of q, then k, then v
      float[] qkv = floats(w.layers().get(1).qkv().transpose());
      float[] expected = new float[qkv.length];
      System.arraycopy(ref.get("model.layers.1.self_attn.q_proj.weight"), 0, expected, 0, q * h);
      System.arraycopy(
          ref.get("model.layers.1.self_attn.k_proj.weight"), 0, expected, q * h, kv * h);
      System.arraycopy(
          ref.get("model.layers.1.self_attn.v_proj.weight"), 0, expected, (q + kv) * h, kv * h);
      assertThat(qkv).containsExactly(round(expected, target));
      assertThat(floats(w.layers().get(0).inputNorm()))
          .containsExactly(ref.get("model.layers.0.input_layernorm.weight"));
      if (spec.attentionBias()) {
        float[] bias = floats(w.layers().get(0).qkvBias());
        assertThat(java.util.Arrays.copyOf(bias, q))
            .containsExactly(ref.get("model.layers.0.self_attn.q_proj.bias"));
      }
    }
  }

  private static float[] floats(NDArray a) {
    return (a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false))
        .duplicate()
        .toFloatArray();
  }

  /** float32 values rounded to the dtype and widened back, as the engine stores them. */
  private static float[] round(float[] v, Dtype d) {
    float[] out = v.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] =
          switch (d) {
            case FLOAT16 -> halfRound(out[i]);
            case BFLOAT16 -> bf16Round(out[i]);
            default -> out[i];
          };
    }
    return out;
  }

  private static float bf16Round(float f) {
    int bits = Float.floatToRawIntBits(f);
    int rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000;
    return Float.intBitsToFloat(rounded);
  }

  private static float halfRound(float f) {
    return HalfFloat.toFloat(HalfFloat.fromFloat(f));
  }

  /** The checkpoint's values as float32, across shards. */
  private static final class Reference implements AutoCloseable {
    private final List<SafetensorsReader> readers = new ArrayList<>();

    Reference(Path model) {
      try (var files = Files.list(model)) {
        files
            .filter(f -> f.toString().endsWith(".safetensors"))
            .forEach(f -> readers.add(SafetensorsReader.open(f)));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    float[] get(String name) {
      for (SafetensorsReader r : readers) {
        if (r.has(name)) {
          FloatBuffer b = r.readFloats(r.tensors().get(name));
          float[] out = new float[b.remaining()];
          b.get(out);
          return out;
        }
      }
      throw new AssertionError("no tensor " + name);
    }

    @Override
    public void close() {
      readers.forEach(SafetensorsReader::close);
    }
  }

  /** Splits a checkpoint into {@code n} shards with a Hugging Face index, as large models ship. */
  private static void shard(Path whole, Path out, int n) throws IOException {
    Files.createDirectories(out);
    Files.copy(whole.resolve("config.json"), out.resolve("config.json"));
    ObjectNode index = new ObjectMapper().createObjectNode();
    ObjectNode map = index.putObject("weight_map");
    try (SafetensorsReader r = SafetensorsReader.open(whole.resolve("model.safetensors"))) {
      List<TensorInfo> infos = new ArrayList<>(r.tensors().values());
      for (int s = 0; s < n; s++) {
        String file = String.format("model-%05d-of-%05d.safetensors", s + 1, n);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (int i = s; i < infos.size(); i += n) {
          TensorInfo t = infos.get(i);
          entries.add(
              new SafetensorsWriter.Entry(
                  t.name(),
                  t.dtype(),
                  t.shape(),
                  () -> {
                    FloatBuffer b = r.readFloats(t);
                    float[] v = new float[b.remaining()];
                    b.get(v);
                    return v;
                  }));
          map.put(t.name(), file);
        }
        SafetensorsWriter.write(out.resolve(file), entries);
      }
    }
    Files.writeString(out.resolve("model.safetensors.index.json"), index.toPrettyString());
  }
}
