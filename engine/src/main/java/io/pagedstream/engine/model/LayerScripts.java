package io.pagedstream.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.engine.precision.TorchScript;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blocks of a decoder layer as {@link TorchScript} modules, one native call per block (or per
 * layer, when a step's attention is one group), for bfloat16 weights packed for oneDNN ({@link
 * PackedLinear}) and a bfloat16 KV cache.
 *
 * <p>Why: on a CPU each DJL operation costs a JNI crossing, a Java array object registered with its
 * manager and scope, often an index string parsed, and sometimes an output a script would not need
 * (the casts through the bfloat16 scratch, the views around a product). A layer issued about 80 of
 * them; a script issues the same ATen operations from inside PyTorch. Measured on the machine this
 * was written on (smollm-135m, bfloat16, alternating runs): a batch-64 decode step went from
 * 118-120 to 99-105 ms, a batch-1 step from 39-42 to 27-28 ms, and tiny-stories-synth generation
 * from 1,322 to 2,011 tokens per second.
 *
 * <p>Each script runs the same ATen operations, on the same dtypes and layouts and in the same
 * order, as the op-by-op code it replaces in {@link LlamaModel} (RMSNorm, {@link Rope}, the KV
 * cache's write, {@link LlamaModel}'s attention with {@link BatchInvariance#weightedSum}, the
 * SwiGLU), so its results are the same bits: {@code LayerScriptsTest} compares every logit with the
 * op-by-op path's. That is also why the start-up batch-invariance measurement, made through {@link
 * DenseProduct} and {@link AttentionProduct}, holds for them. A script is used only where no
 * padding applies (the measured row count is the real one, and the activation may take all rows at
 * once) and the model has no biases; everything else, and every other dtype, runs op by op. Writing
 * the sources here rather than shipping {@code torch.jit.save} archives keeps the repository free
 * of binaries and lets the model's constants be literals.
 */
public final class LayerScripts implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LayerScripts.class);

  private final List<TorchScript> modules = new ArrayList<>();
  private final TorchScript attentionInput;
  private final TorchScript attention;
  private final TorchScript attentionOutput;
  private final TorchScript feedForward;
  private final TorchScript layer;
  private final TorchScript head;

  /**
   * The scripts for {@code spec} on the manager's device, or null where PyTorch refuses one (an
   * operation it lacks): the model then runs op by op, as on any other dtype.
   */
  public static LayerScripts open(NDManager manager, ModelSpec spec) {
    try {
      return new LayerScripts(manager, spec);
    } catch (IllegalStateException e) {
      LOG.warn("running layers op by op: {}", e.getMessage());
      return null;
    }
  }

  private LayerScripts(NDManager manager, ModelSpec spec) {
    float scale = LlamaModel.attentionScale(spec);
    int d = spec.headDim();
    int qk = (spec.numHeads() + spec.numKvHeads()) * d;
    Map<String, String> constants =
        Map.ofEntries(
            Map.entry("eps", Double.toString((float) spec.rmsNormEps())),
            Map.entry("scale", Double.toString(scale)),
            Map.entry("d", Integer.toString(d)),
            Map.entry("half", Integer.toString(d / 2)),
            Map.entry("heads", Integer.toString(spec.numHeads())),
            Map.entry("kvHeads", Integer.toString(spec.numKvHeads())),
            Map.entry("group", Integer.toString(spec.queriesPerKvHead())),
            Map.entry("qk", Integer.toString(qk)),
            Map.entry("qkv", Integer.toString(qk + spec.numKvHeads() * d)),
            Map.entry("inter", Integer.toString(spec.intermediateSize())),
            Map.entry("inter2", Integer.toString(2 * spec.intermediateSize())),
            Map.entry("chunk", Integer.toString(BatchInvariance.CHUNK)),
            Map.entry("bf16", Integer.toString(TorchScript.BFLOAT16)),
            Map.entry("f32", Integer.toString(TorchScript.FLOAT32)));
    // each block's statements read and define fixed names, so that a layer is their concatenation
    String input =
        // RMSNorm, the q/k/v product, RoPE on the q and k heads side by side (Rope.apply), K and
        // V written head-major into the layer's storage (KvCache.write); defines q, the queries
        // as [tokens, heads * d]
        norm("x", "g")
            + "y = torch.to("
            + product("n", "w")
            + ", {f32})\n"
            + "t = torch.size(y, 0)\n"
            + "r = torch.reshape(torch.slice(y, 1, 0, {qk}), [t, {heads} + {kvHeads}, {d}])\n"
            + "x1 = torch.slice(r, 2, 0, {half})\n"
            + "x2 = torch.slice(r, 2, {half}, {d})\n"
            + "rot = torch.cat([torch.sub(torch.mul(x1, c), torch.mul(x2, s)),"
            + " torch.add(torch.mul(x2, c), torch.mul(x1, s))], -1)\n"
            + "k = torch.slice(rot, 1, {heads}, {heads} + {kvHeads})\n"
            + "v = torch.reshape(torch.slice(y, 1, {qk}, {qkv}), [t, {kvHeads}, {d}])\n"
            + "kw = torch.index_put_(kp, [slots], "
            + headMajor("k")
            + ")\n"
            + "vw = torch.index_put_(vp, [slots], "
            + headMajor("v")
            + ")\n"
            + "q = torch.reshape(torch.slice(rot, 1, 0, {heads}), [t, {heads} * {d}])\n";
    String group =
        // LlamaModel.attend for one group, with AttentionProduct's bfloat16 products and
        // BatchInvariance.weightedSum's chunk-by-chunk sum; defines a, the group's output rows
        "b = torch.size(mask, 1)\n"
            + "nq = torch.size(mask, 3)\n"
            + "ctx = torch.size(mask, 4)\n"
            + "qs = torch.reshape(torch.embedding(q, queryRows, -1, False, False),"
            + " [b, nq, {kvHeads}, {group}, {d}])\n"
            + "qh = torch.reshape(torch.permute(qs, [2, 0, 3, 1, 4]),"
            + " [{kvHeads} * b, {group} * nq, {d}])\n"
            + "keys = torch.reshape(torch.embedding(kp, contextRows, -1, False, False),"
            + " [{kvHeads} * b, ctx, {d}])\n"
            + "values = torch.reshape(torch.embedding(vp, contextRows, -1, False, False),"
            + " [{kvHeads} * b, ctx, {d}])\n"
            + "scores = "
            + times("qh", "torch.transpose(keys, 1, 2)")
            + "\n"
            + "masked = torch.add(torch.reshape(torch.mul(scores, {scale}),"
            + " [{kvHeads}, b, {group}, nq, ctx]), mask)\n"
            + "p = torch.reshape(torch.softmax(masked, -1), [{kvHeads} * b, {group} * nq, ctx])\n"
            + "acc = "
            + times("torch.slice(p, 2, 0, {chunk})", "torch.slice(values, 1, 0, {chunk})")
            + "\n"
            + "for i in range(1, torch.floordiv(ctx, {chunk})):\n"
            + "  at = i * {chunk}\n"
            + "  acc = torch.add(acc, "
            + times(
                "torch.slice(p, 2, at, at + {chunk})", "torch.slice(values, 1, at, at + {chunk})")
            + ")\n"
            + "a = torch.reshape(torch.permute(torch.reshape(acc, [{kvHeads}, b, {group}, nq, {d}]),"
            + " [1, 3, 0, 2, 4]), [b * nq, {heads} * {d}])\n";
    String output =
        // the attention rows back in packed order, the output product, the residual; defines h
        "u = torch.embedding(a, unpack, -1, False, False)\n"
            + "h = torch.add(torch.to("
            + product("u", "wo")
            + ", {f32}), x)\n";
    String mlp =
        // RMSNorm, gate/up product, silu(gate) * up as BatchInvariance.swiGlu, down product,
        // residual; defines out
        norm("h", "g2")
            + "y = torch.to("
            + product("n", "gu")
            + ", {f32})\n"
            + "gate = torch.slice(y, 1, 0, {inter})\n"
            + "up = torch.slice(y, 1, {inter}, {inter2})\n"
            + "act = torch.mul(torch.mul(torch.sigmoid(gate), gate), up)\n"
            + "out = torch.add(torch.to("
            + product("act", "down")
            + ", {f32}), h)\n";
    String inputs =
        "x: Tensor, g: Tensor, w: Tensor, c: Tensor, s: Tensor, kp: Tensor, vp: Tensor,"
            + " slots: Tensor";
    String groupInputs = "queryRows: Tensor, contextRows: Tensor, mask: Tensor";
    String mlpInputs = "g2: Tensor, gu: Tensor, down: Tensor";
    try {
      attentionInput = load(manager, constants, "AttentionInput", inputs, input + "return q");
      attention =
          load(
              manager,
              constants,
              "GroupAttention",
              "q: Tensor, kp: Tensor, vp: Tensor, " + groupInputs,
              group + "return a");
      attentionOutput =
          load(
              manager,
              constants,
              "AttentionOutput",
              "a: Tensor, unpack: Tensor, wo: Tensor, x: Tensor",
              output + "return h");
      feedForward =
          load(manager, constants, "FeedForward", "h: Tensor, " + mlpInputs, mlp + "return out");
      layer =
          load(
              manager,
              constants,
              "Layer",
              inputs + ", " + groupInputs + ", unpack: Tensor, wo: Tensor, " + mlpInputs,
              input + group + output + mlp + "return out");
      head =
          load(
              manager,
              constants,
              "NormHead",
              "x: Tensor, g: Tensor, w: Tensor",
              norm("x", "g") + "return torch.to(" + product("n", "w") + ", {f32})");
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** RMSNorm of {@code x} with weight {@code g}, as {@code LlamaModel.rmsNorm}: defines n. */
  private static String norm(String x, String g) {
    return "n = torch.mul(torch.div("
        + x
        + ", torch.sqrt(torch.add(torch.mean(torch.square("
        + x
        + "), [-1], True), {eps}))), "
        + g
        + ")\n";
  }

  /** The packed product of float32 {@code x} in bfloat16 (DenseProduct with PackedLinear). */
  private static String product(String x, String w) {
    return PackedLinear.product("torch.to(" + x + ", {bf16})", w);
  }

  /** {@code [tokens, heads, d]} float32 rows as the KV cache stores them (KvCache.write). */
  private static String headMajor(String rows) {
    return "torch.reshape(torch.contiguous(torch.to(torch.permute("
        + rows
        + ", [1, 0, 2]), {bf16})), [-1, {d}])";
  }

  /**
   * AttentionProduct.times in bfloat16: float32 x converted (contiguous, as the caster's scratch
   * is), y as stored, a float32 result.
   */
  private static String times(String x, String y) {
    return "torch.to(torch.matmul(torch.contiguous(torch.to("
        + x
        + ", {bf16})), "
        + y
        + "), {f32})";
  }

  private TorchScript load(
      NDManager manager,
      Map<String, String> constants,
      String name,
      String parameters,
      String body) {
    TorchScript module = TorchScript.load(manager, name, parameters, fill(body, constants));
    modules.add(module);
    return module;
  }

  private static String fill(String source, Map<String, String> constants) {
    String out = source;
    for (Map.Entry<String, String> e : constants.entrySet()) {
      out = out.replace("{" + e.getKey() + "}", e.getValue());
    }
    if (out.contains("{")) {
      throw new IllegalStateException("unfilled constant in " + out);
    }
    return out;
  }

  /**
   * Norm, q/k/v product, RoPE and the K/V write of layer storage {@code keys}/{@code values} at
   * {@code headRows}; returns the queries, {@code [tokens, heads * headDim]} float32.
   */
  NDArray attentionInput(
      NDArray x,
      Weights.Layer w,
      NDList ropeTables,
      NDArray keys,
      NDArray values,
      NDArray headRows) {
    return attentionInput.forward(
        x, w.inputNorm(), w.qkv(), ropeTables.get(0), ropeTables.get(1), keys, values, headRows);
  }

  /** One attention group's output rows, as {@code LlamaModel.attend} computes them. */
  NDArray attention(
      NDArray queries,
      NDArray keys,
      NDArray values,
      NDArray queryRows,
      NDArray contextRows,
      NDArray maskBias) {
    return attention.forward(queries, keys, values, queryRows, contextRows, maskBias);
  }

  /** x plus the output product of the attention rows, unpacked. */
  NDArray attentionOutput(NDArray attn, NDArray unpack, Weights.Layer w, NDArray x) {
    return attentionOutput.forward(attn, unpack, w.o(), x);
  }

  /** h plus the MLP's output. */
  NDArray feedForward(NDArray h, Weights.Layer w) {
    return feedForward.forward(h, w.postNorm(), w.gateUp(), w.down());
  }

  /**
   * The whole layer, for a batch whose attention is one group: {@link #attentionInput}, {@link
   * #attention}, {@link #attentionOutput} and {@link #feedForward} in one call.
   */
  NDArray layer(
      NDArray x,
      Weights.Layer w,
      NDList ropeTables,
      NDArray keys,
      NDArray values,
      NDArray headRows,
      NDArray queryRows,
      NDArray contextRows,
      NDArray maskBias,
      NDArray unpack) {
    return layer.forward(
        x,
        w.inputNorm(),
        w.qkv(),
        ropeTables.get(0),
        ropeTables.get(1),
        keys,
        values,
        headRows,
        queryRows,
        contextRows,
        maskBias,
        unpack,
        w.o(),
        w.postNorm(),
        w.gateUp(),
        w.down());
  }

  /** The logits of rows {@code x}: final norm and LM head. */
  NDArray head(NDArray x, NDArray norm, NDArray lmHead) {
    return head.forward(x, norm, lmHead);
  }

  @Override
  public void close() {
    modules.forEach(TorchScript::close);
  }
}
