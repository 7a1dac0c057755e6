package io.pagedstream.engine.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pagedstream.core.model.ModelFormatException;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.core.model.SafetensorsReader;
import io.pagedstream.core.model.TensorInfo;
import io.pagedstream.engine.precision.Precision;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A model's weights, immutable once loaded and laid out for the forward pass: the q/k/v projections
 * fused into one matrix and gate/up into another (two matmuls per layer instead of five), every
 * matrix seen as {@code [in, out]} (a transposed view of the checkpoint's {@code [out, in]}) so
 * activations multiply on the left.
 *
 * <p>Matrices and the embedding are stored in the engine's weight dtype; norms and biases, which
 * are tiny and enter float32 arithmetic, stay float32. Loading goes tensor by tensor and chunk by
 * chunk straight into arrays of the final dtype and layout (fused matrices are filled in place, not
 * concatenated), so the process never holds more than the weights plus one chunk.
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

  private Weights(
      ModelSpec spec,
      NDManager manager,
      NDArray embedding,
      List<Layer> layers,
      NDArray finalNorm,
      NDArray lmHead) {
    this.spec = spec;
    this.manager = manager;
    this.embedding = embedding;
    this.layers = List.copyOf(layers);
    this.finalNorm = finalNorm;
    this.lmHead = lmHead;
  }

  /** Loads {@code model.safetensors} (or the shards named by its index) from a model folder. */
  public static Weights load(
      Path modelDir, ModelSpec spec, NDManager parent, Device device, Precision precision) {
    NDManager manager = parent.newSubManager(device);
    List<SafetensorsReader> readers = new ArrayList<>();
    try {
      Map<String, SafetensorsReader> byTensor = openShards(modelDir, readers);
      Loader l = new Loader(manager, byTensor, modelDir, precision);
      int h = spec.hiddenSize();
      int q = spec.numHeads() * spec.headDim();
      int kv = spec.numKvHeads() * spec.headDim();
      int inter = spec.intermediateSize();
      NDArray embed = l.matrix("model.embed_tokens.weight", spec.vocabSize(), h);
      List<Layer> layers = new ArrayList<>();
      for (int i = 0; i < spec.numLayers(); i++) {
        String p = "model.layers." + i + ".";
        NDArray qkv =
            l.matrix(
                h,
                p + "self_attn.q_proj.weight",
                q,
                p + "self_attn.k_proj.weight",
                kv,
                p + "self_attn.v_proj.weight",
                kv);
        NDArray qkvBias =
            spec.attentionBias()
                ? l.vector(
                    p + "self_attn.q_proj.bias",
                    q,
                    p + "self_attn.k_proj.bias",
                    kv,
                    p + "self_attn.v_proj.bias",
                    kv)
                : null;
        // Llama's attention_bias also gives o_proj a bias; Qwen2 biases only q, k and v.
        NDArray oBias =
            spec.attentionBias() && l.has(p + "self_attn.o_proj.bias")
                ? l.vector(p + "self_attn.o_proj.bias", h)
                : null;
        NDArray gateUp =
            l.matrix(h, p + "mlp.gate_proj.weight", inter, p + "mlp.up_proj.weight", inter);
        NDArray gateUpBias =
            spec.mlpBias()
                ? l.vector(p + "mlp.gate_proj.bias", inter, p + "mlp.up_proj.bias", inter)
                : null;
        layers.add(
            new Layer(
                l.vector(p + "input_layernorm.weight", h),
                transposed(qkv),
                qkvBias,
                transposed(l.matrix(p + "self_attn.o_proj.weight", h, q)),
                oBias,
                l.vector(p + "post_attention_layernorm.weight", h),
                transposed(gateUp),
                gateUpBias,
                transposed(l.matrix(p + "mlp.down_proj.weight", h, inter)),
                spec.mlpBias() ? l.vector(p + "mlp.down_proj.bias", h) : null));
      }
      NDArray norm = l.vector("model.norm.weight", h);
      NDArray head =
          spec.tieWordEmbeddings()
              ? embed.transpose()
              : transposed(l.matrix("lm_head.weight", spec.vocabSize(), h));
      return new Weights(spec, manager, embed, layers, norm, head);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    } finally {
      readers.forEach(SafetensorsReader::close);
    }
  }

  /**
   * The {@code [in, out]} view of an {@code [out, in]} matrix, holding its memory alone (the base
   * handle is released), so that closing the view frees the matrix.
   */
  private static NDArray transposed(NDArray matrix) {
    NDArray view = matrix.transpose();
    matrix.close();
    return view;
  }

  /**
   * These weights with every product matrix (q/k/v, o, gate/up, down, LM head) replaced by {@code
   * prepare}'s form of it, e.g. packed for the product kernels; each replaced matrix is freed. The
   * embedding stays, also when the LM head is tied to it.
   */
  public Weights prepared(UnaryOperator<NDArray> prepare) {
    List<Layer> out = new ArrayList<>(layers.size());
    for (Layer l : layers) {
      out.add(
          new Layer(
              l.inputNorm(),
              replaced(l.qkv(), prepare),
              l.qkvBias(),
              replaced(l.o(), prepare),
              l.oBias(),
              l.postNorm(),
              replaced(l.gateUp(), prepare),
              l.gateUpBias(),
              replaced(l.down(), prepare),
              l.downBias()));
    }
    return new Weights(spec, manager, embedding, out, finalNorm, replaced(lmHead, prepare));
  }

  private static NDArray replaced(NDArray matrix, UnaryOperator<NDArray> prepare) {
    NDArray p = prepare.apply(matrix);
    if (p != matrix) {
      matrix.close();
    }
    return p;
  }

  private static Map<String, SafetensorsReader> openShards(
      Path dir, List<SafetensorsReader> opened) {
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
      throw new ModelFormatException(
          "no model.safetensors or model.safetensors.index.json in " + dir);
    }
    try {
      JsonNode map = new ObjectMapper().readTree(index.toFile()).get("weight_map");
      Map<String, SafetensorsReader> byFile = new HashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        SafetensorsReader r =
            byFile.computeIfAbsent(
                e.getValue().asText(),
                f -> {
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

  /**
   * Looks tensors up across shards and copies them, chunk by chunk, into arrays of their final
   * dtype: matrices in the weight dtype, vectors in float32.
   */
  private static final class Loader {
    /** Float32 values per chunk: 4 MiB of staging, whatever the tensor's size. */
    private static final int CHUNK = 1 << 20;

    private final NDManager manager;
    private final Map<String, SafetensorsReader> byTensor;
    private final Path dir;
    private final Precision precision;
    private ByteBuffer stagingBytes;
    private FloatBuffer staging;

    Loader(
        NDManager manager, Map<String, SafetensorsReader> byTensor, Path dir, Precision precision) {
      this.manager = manager;
      this.byTensor = byTensor;
      this.dir = dir;
      this.precision = precision;
    }

    boolean has(String name) {
      return byTensor.containsKey(name);
    }

    /** One {@code [rows, cols]} matrix in the weight dtype. */
    NDArray matrix(String name, long rows, long cols) {
      return matrix(cols, name, rows);
    }

    /**
     * Matrices of {@code cols} columns stacked by rows into one array in the weight dtype: {@code
     * (name, rows)} pairs in order.
     */
    NDArray matrix(long cols, Object... nameRows) {
      long total = 0;
      for (int i = 1; i < nameRows.length; i += 2) {
        total += ((Number) nameRows[i]).longValue();
      }
      NDArray out = precision.zeros(manager, new Shape(total, cols), precision.weights());
      fill(out, cols, nameRows);
      return out;
    }

    /** Vectors concatenated into one float32 array: {@code (name, length)} pairs in order. */
    NDArray vector(Object... nameLengths) {
      long total = 0;
      for (int i = 1; i < nameLengths.length; i += 2) {
        total += ((Number) nameLengths[i]).longValue();
      }
      NDArray out = manager.zeros(new Shape(total, 1), DataType.FLOAT32);
      fill(out, 1, nameLengths);
      return out.reshape(total);
    }

    private void fill(NDArray out, long cols, Object[] nameRows) {
      long row = 0;
      for (int i = 0; i < nameRows.length; i += 2) {
        String name = (String) nameRows[i];
        long rows = ((Number) nameRows[i + 1]).longValue();
        long[] shape = cols == 1 ? new long[] {rows} : new long[] {rows, cols};
        TensorInfo info = reader(name).info(name, shape);
        long rowsPerChunk = Math.max(1, CHUNK / cols);
        for (long r = 0; r < rows; r += rowsPerChunk) {
          int n = (int) Math.min(rowsPerChunk, rows - r);
          FloatBuffer buf = staging(n * cols);
          reader(name).readFloats(info, r * cols, buf);
          // DJL copies a FloatBuffer into a fresh direct buffer that only a GC frees; a direct
          // ByteBuffer goes straight to PyTorch
          ByteBuffer bytes = stagingBytes.duplicate().order(ByteOrder.nativeOrder());
          bytes.position(0).limit((int) (n * cols * Float.BYTES));
          try (NDArray chunk = manager.create(bytes, new Shape(n, cols), DataType.FLOAT32)) {
            out.set(new NDIndex((row + r) + ":" + (row + r + n)), chunk);
          }
        }
        row += rows;
      }
    }

    private SafetensorsReader reader(String name) {
      SafetensorsReader r = byTensor.get(name);
      if (r == null) {
        throw new ModelFormatException("the weights in " + dir + " have no tensor " + name);
      }
      return r;
    }

    private FloatBuffer staging(long values) {
      if (staging == null || staging.capacity() < values) {
        stagingBytes =
            ByteBuffer.allocateDirect((int) values * Float.BYTES).order(ByteOrder.nativeOrder());
        staging = stagingBytes.asFloatBuffer();
      }
      staging.clear();
      staging.limit((int) values);
      return staging;
    }
  }

  public ModelSpec spec() {
    return spec;
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
