package io.pagedstream.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A model's weights, immutable once loaded and laid out for the forward pass: the q/k/v
 * projections fused into one matrix and gate/up into another (two matmuls per layer instead of
 * five), every matrix stored as {@code [in, out]} so activations multiply on the left.
 *
 * <p>All arrays belong to one {@link NDManager} that this object owns; closing it frees them.
 */
public final class Weights implements AutoCloseable {

  /** One decoder layer. Biases are null when the model has none. */
  public record Layer(
      NDArray inputNorm,
      NDArray qkv,
      NDArray qkvBias,
      NDArray o,
      NDArray oBias,
      NDArray postNorm,
      NDArray gateUp,
      NDArray gateUpBias,
      NDArray down,
      NDArray downBias) {}

  private final ModelSpec spec;
  private final NDManager manager;
  private final NDArray embedding;
  private final List<Layer> layers;
  private final NDArray finalNorm;
  private final NDArray lmHead;

  private Weights(ModelSpec spec, NDManager manager, NDArray embedding, List<Layer> layers, NDArray finalNorm, NDArray lmHead) {
    this.spec = spec;
    this.manager = manager;
    this.embedding = embedding;
    this.layers = List.copyOf(layers);
    this.finalNorm = finalNorm;
    this.lmHead = lmHead;
  }

  /** Loads {@code model.safetensors} (or the shards named by its index) from a model folder. */
  public static Weights load(Path modelDir, ModelSpec spec, NDManager parent, Device device) {
    NDManager manager = parent.newSubManager(device);
    List<SafetensorsReader> readers = new ArrayList<>();
    try {
      Map<String, SafetensorsReader> byTensor = openShards(modelDir, readers);
      Loader l = new Loader(manager, byTensor, modelDir);
      int h = spec.hiddenSize();
      int q = spec.numHeads() * spec.headDim();
      int kv = spec.numKvHeads() * spec.headDim();
      int inter = spec.intermediateSize();
      NDArray embed = l.get("model.embed_tokens.weight", spec.vocabSize(), h);
      List<Layer> layers = new ArrayList<>();
      for (int i = 0; i < spec.numLayers(); i++) {
        String p = "model.layers." + i + ".";
        NDArray qkv = Fuse.rows(
            l.get(p + "self_attn.q_proj.weight", q, h),
            l.get(p + "self_attn.k_proj.weight", kv, h),
            l.get(p + "self_attn.v_proj.weight", kv, h));
        NDArray qkvBias = spec.attentionBias()
            ? Fuse.rows(
                l.get(p + "self_attn.q_proj.bias", q),
                l.get(p + "self_attn.k_proj.bias", kv),
                l.get(p + "self_attn.v_proj.bias", kv))
            : null;
        // Llama's attention_bias also gives o_proj a bias; Qwen2 biases only q, k and v.
        NDArray oBias = spec.attentionBias() && l.has(p + "self_attn.o_proj.bias")
            ? l.get(p + "self_attn.o_proj.bias", h) : null;
        NDArray gateUp = Fuse.rows(
            l.get(p + "mlp.gate_proj.weight", inter, h), l.get(p + "mlp.up_proj.weight", inter, h));
        NDArray gateUpBias = spec.mlpBias()
            ? Fuse.rows(l.get(p + "mlp.gate_proj.bias", inter), l.get(p + "mlp.up_proj.bias", inter))
            : null;
        layers.add(new Layer(
            l.get(p + "input_layernorm.weight", h),
            qkv.transpose(),
            qkvBias,
            l.get(p + "self_attn.o_proj.weight", h, q).transpose(),
            oBias,
            l.get(p + "post_attention_layernorm.weight", h),
            gateUp.transpose(),
            gateUpBias,
            l.get(p + "mlp.down_proj.weight", h, inter).transpose(),
            spec.mlpBias() ? l.get(p + "mlp.down_proj.bias", h) : null));
      }
      NDArray norm = l.get("model.norm.weight", h);
      NDArray head = spec.tieWordEmbeddings()
          ? embed.transpose()
          : l.get("lm_head.weight", spec.vocabSize(), h).transpose();
      return new Weights(spec, manager, embed, layers, norm, head);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    } finally {
      readers.forEach(SafetensorsReader::close);
    }
  }

  private static Map<String, SafetensorsReader> openShards(Path dir, List<SafetensorsReader> opened) {
    Path single = dir.resolve("model.safetensors");
    Path index = dir.resolve("model.safetensors.index.json");
    Map<String, SafetensorsReader> byTensor = new HashMap<>();
    if (Files.isRegularFile(single)) {
      SafetensorsReader r = SafetensorsReader.open(single);
      opened.add(r);
      r.tensors().keySet().forEach(n -> byTensor.put(n, r));
      return byTensor;
    }
    if (!Files.isRegularFile(index)) {
      throw new ModelFormatException("no model.safetensors or model.safetensors.index.json in " + dir);
    }
    try {
      JsonNode map = new ObjectMapper().readTree(index.toFile()).get("weight_map");
      Map<String, SafetensorsReader> byFile = new HashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        SafetensorsReader r = byFile.computeIfAbsent(e.getValue().asText(), f -> {
          SafetensorsReader opened1 = SafetensorsReader.open(dir.resolve(f));
          opened.add(opened1);
          return opened1;
        });
        byTensor.put(e.getKey(), r);
      }
      return byTensor;
    } catch (IOException | NullPointerException e) {
      throw new ModelFormatException("cannot read " + index + ": " + e.getMessage());
    }
  }

  /** Looks tensors up across shards and loads them into the weights' manager. */
  private record Loader(NDManager manager, Map<String, SafetensorsReader> byTensor, Path dir) {
    boolean has(String name) {
      return byTensor.containsKey(name);
    }

    NDArray get(String name, long... shape) {
      SafetensorsReader r = byTensor.get(name);
      if (r == null) {
        throw new ModelFormatException("the weights in " + dir + " have no tensor " + name);
      }
      return r.load(manager, name, shape);
    }
  }

  /** Row concatenation that frees its inputs, so fusing does not double the load's memory. */
  private static final class Fuse {
    static NDArray rows(NDArray... parts) {
      NDList list = new NDList(parts);
      NDArray joined = NDArrays.concat(list, 0);
      list.close();
      return joined;
    }
  }

  public ModelSpec spec() {
    return spec;
  }

  public NDManager manager() {
    return manager;
  }

  /** {@code [vocab, hidden]}: row i is token i's input vector. */
  public NDArray embedding() {
    return embedding;
  }

  public List<Layer> layers() {
    return layers;
  }

  public NDArray finalNorm() {
    return finalNorm;
  }

  /** {@code [hidden, vocab]}; a view of the embedding when the model ties them. */
  public NDArray lmHead() {
    return lmHead;
  }

  @Override
  public void close() {
    manager.close();
  }
}
