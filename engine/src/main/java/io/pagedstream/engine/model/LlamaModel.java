package io.pagedstream.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.engine.kv.KvCache;
import io.pagedstream.engine.kv.Rows;
import io.pagedstream.engine.model.StepProfile.Section;
import io.pagedstream.engine.precision.Caster;
import java.util.function.Supplier;

/**
 * The Llama decoder forward pass over a packed batch, reading and writing K/V only through cache
 * slots. Dense layers run once over all packed tokens; attention runs per {@link AttentionGroup} on
 * K/V gathered by slot from the block-structured cache.
 *
 * <p>Dense products run in the weights' dtype ({@link DenseProduct}), attention's two products in
 * the dtype {@link AttentionProduct} picks; the residual stream, RMSNorm, RoPE, the scaled and
 * masked scores, softmax and the logits stay float32.
 *
 * <p>Where {@link LayerScripts} apply (packed bfloat16 products and a bfloat16 cache, no padding,
 * no biases), a block, or a whole layer when a step's attention is one group, runs as one
 * TorchScript call that issues the same operations; the code below is then the definition the
 * scripts follow, and what every other case runs.
 *
 * <p>Every intermediate array lives in an {@link NDScope} closed at the end of the call, so a step
 * leaves no native memory behind whatever manager an operation attached its result to.
 */
public final class LlamaModel {

  private final ModelSpec spec;
  private final Weights weights;
  private final KvCache cache;
  private final Rope rope;
  private final NDManager manager;
  private final float scale;
  private final BatchInvariance invariance;
  private final DenseProduct product;
  private final AttentionProduct attention;
  private final Caster caster;
  private final LayerScripts scripts;
  private StepProfile profile = new StepProfile();

  public LlamaModel(
      Weights weights,
      KvCache cache,
      NDManager manager,
      BatchInvariance invariance,
      DenseProduct product,
      AttentionProduct attention,
      Caster caster,
      LayerScripts scripts) {
    this.spec = weights.spec();
    this.scripts = scripts;
    this.product = product;
    this.attention = attention;
    this.caster = caster;
    this.weights = weights;
    this.cache = cache;
    this.manager = manager;
    this.rope = new Rope(manager, spec);
    this.scale = attentionScale(spec);
    this.invariance = invariance;
  }

  /** The factor scores are scaled by: 1/sqrt(headDim), in float32. */
  static float attentionScale(ModelSpec spec) {
    return (float) (1.0 / Math.sqrt(spec.headDim()));
  }

  /** Charges this model's sections to {@code profile} while it is active. */
  public void setProfile(StepProfile profile) {
    this.profile = profile;
  }

  /**
   * Runs the batch, writing its K/V into the cache; returns each sampled row's argmax and the full
   * logits of the sampled rows {@code fullRows} marks.
   */
  public SampledLogits forward(ForwardBatch batch, boolean[] fullRows) {
    return forward(batch, fullRows, null);
  }

  /**
   * The forward pass; {@code topLogprobs[r]} >= 0 asks for row r's log-probabilities with that many
   * alternatives (null or -1: none), computed where the logits are.
   */
  public SampledLogits forward(ForwardBatch batch, boolean[] fullRows, int[] topLogprobs) {
    try (NDManager step = manager.newSubManager();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDArray slots = cache.headRows(step, batch.slots());
      NDList ropeTables = rope.tables(step.create(batch.positions()));
      NDArray unpack = step.create(batch.unpackRows());
      GroupInputs[] groups = new GroupInputs[batch.groups().size()];
      for (int i = 0; i < groups.length; i++) {
        groups[i] = new GroupInputs(step, cache, batch.groups().get(i));
      }
      NDArray x = caster.toFloat32(Rows.select(weights.embedding(), step.create(batch.tokens())));
      profile.mark(Section.INPUTS);
      for (int l = 0; l < spec.numLayers(); l++) {
        // each half of a layer frees its intermediates before the next allocates (a 4,096-token
        // prefill holds ~200 MB of them in each), and a layer's input goes once it is used
        int layer = l;
        Weights.Layer w = weights.layers().get(l);
        NDArray in = x;
        if (groups.length == 1 && attentionScripted(w, in) && mlpScripted(w, in)) {
          GroupInputs g = groups[0];
          x =
              kept(
                  () ->
                      scripts.layer(
                          in,
                          w,
                          ropeTables,
                          cache.storage(layer, false),
                          cache.storage(layer, true),
                          slots,
                          g.queryRows,
                          g.contextRows,
                          g.maskBias,
                          unpack));
          profile.mark(Section.LAYER);
        } else {
          NDArray h = kept(() -> selfAttention(layer, w, in, slots, ropeTables, groups, unpack));
          x = kept(() -> feedForward(w, h));
          h.close();
        }
        if (l > 0) {
          in.close();
        }
      }
      if (batch.sampleRows().length == 0) {
        return SampledLogits.EMPTY;
      }
      NDArray last = Rows.select(x, step.create(batch.sampleRows()));
      NDArray logits =
          scripted(last)
              ? scripts.head(last, weights.finalNorm(), weights.lmHead())
              : linear(rmsNorm(last, weights.finalNorm()), weights.lmHead(), null);
      profile.mark(Section.LM_HEAD);
      long[] best = logits.argMax(1).toLongArray();
      int[] argmax = new int[best.length];
      for (int i = 0; i < best.length; i++) {
        argmax[i] = (int) best[i];
      }
      SampledLogits sampled =
          new SampledLogits(
              argmax,
              fullRows(logits, fullRows),
              topLogprobs == null ? null : RowLogprobs.of(logits, topLogprobs));
      profile.mark(Section.SAMPLING);
      return sampled;
    }
  }

  /** Copies the marked rows to Java in one transfer; unmarked rows stay null. */
  private static float[][] fullRows(NDArray logits, boolean[] marked) {
    float[][] rows = new float[marked.length][];
    int count = 0;
    for (boolean m : marked) {
      count += m ? 1 : 0;
    }
    if (count == 0) {
      return rows;
    }
    long[] index = new long[count];
    for (int i = 0, j = 0; i < marked.length; i++) {
      if (marked[i]) {
        index[j++] = i;
      }
    }
    NDArray picked =
        count == marked.length
            ? logits
            : logits.get(new NDIndex("{}", logits.getManager().create(index)));
    float[] flat = picked.toFloatArray();
    int vocab = (int) logits.getShape().get(1);
    for (int j = 0; j < count; j++) {
      rows[(int) index[j]] = java.util.Arrays.copyOfRange(flat, j * vocab, (j + 1) * vocab);
    }
    return rows;
  }

  /** {@code body}'s result, with every other array it made freed. */
  private static NDArray kept(Supplier<NDArray> body) {
    NDArray out;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      out = body.get();
      NDScope.unregister(out);
    }
    NDScope.register(out);
    return out;
  }

  /** x plus the attention block's output. */
  private NDArray selfAttention(
      int index,
      Weights.Layer w,
      NDArray x,
      NDArray slots,
      NDList ropeTables,
      GroupInputs[] groups,
      NDArray unpack) {
    boolean script = attentionScripted(w, x);
    NDArray flatQ;
    if (script) {
      flatQ =
          scripts.attentionInput(
              x, w, ropeTables, cache.storage(index, false), cache.storage(index, true), slots);
      profile.mark(Section.ATTENTION_INPUT);
    } else {
      flatQ = queries(index, w, x, slots, ropeTables);
    }
    NDList parts = new NDList(groups.length);
    for (GroupInputs g : groups) {
      parts.add(
          script
              ? scripts.attention(
                  flatQ,
                  cache.storage(index, false),
                  cache.storage(index, true),
                  g.queryRows,
                  g.contextRows,
                  g.maskBias)
              : attend(index, flatQ, g));
    }
    NDArray attn = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
    if (script) {
      profile.mark(Section.ATTENTION);
      NDArray h = scripts.attentionOutput(attn, unpack, w, x);
      profile.mark(Section.O_PROJ);
      return h;
    }
    attn = Rows.select(attn, unpack);
    profile.mark(Section.ATTENTION);
    // in place on the product's fresh result: the same sum as x + product, one array fewer
    NDArray h = linear(attn, w.o(), w.oBias()).addi(x);
    profile.mark(Section.O_PROJ);
    return h;
  }

  /**
   * Norm, q/k/v product and RoPE of x; writes K and V into the cache and returns the queries,
   * {@code [tokens, heads * headDim]}.
   */
  private NDArray queries(int index, Weights.Layer w, NDArray x, NDArray slots, NDList ropeTables) {
    int tokens = (int) x.getShape().get(0);
    int qDim = spec.numHeads() * spec.headDim();
    int kvDim = spec.numKvHeads() * spec.headDim();
    NDArray normed = rmsNorm(x, w.inputNorm());
    profile.mark(Section.NORM);
    NDArray qkv = linear(normed, w.qkv(), w.qkvBias());
    profile.mark(Section.QKV);
    // q and k heads side by side, rotated in one pass
    int heads = spec.numHeads() + spec.numKvHeads();
    NDArray qk =
        rope.apply(
            qkv.get(new NDIndex(":, 0:" + (qDim + kvDim))).reshape(tokens, heads, spec.headDim()),
            ropeTables);
    NDArray q = qk.get(new NDIndex(":, 0:" + spec.numHeads()));
    NDArray k = qk.get(new NDIndex(":, " + spec.numHeads() + ":"));
    NDArray v =
        qkv.get(new NDIndex(":, " + (qDim + kvDim) + ":"))
            .reshape(tokens, spec.numKvHeads(), spec.headDim());
    profile.mark(Section.ROPE);
    cache.write(index, slots, k, v);
    profile.mark(Section.KV_WRITE);
    return q.reshape(tokens, qDim);
  }

  /** h plus the MLP's output. */
  private NDArray feedForward(Weights.Layer w, NDArray h) {
    if (mlpScripted(w, h)) {
      NDArray out = scripts.feedForward(h, w);
      profile.mark(Section.FEED_FORWARD);
      return out;
    }
    NDArray postNormed = rmsNorm(h, w.postNorm());
    profile.mark(Section.NORM);
    NDArray gateUp = linear(postNormed, w.gateUp(), w.gateUpBias());
    profile.mark(Section.GATE_UP);
    NDArray act = swiGlu(gateUp);
    profile.mark(Section.ACTIVATION);
    NDArray out = linear(act, w.down(), w.downBias()).addi(h);
    profile.mark(Section.DOWN);
    return out;
  }

  /** silu(gate) * up, in calls that keep every row's arithmetic the same (see BatchInvariance). */
  private NDArray swiGlu(NDArray gateUp) {
    int inter = spec.intermediateSize();
    return BatchInvariance.swiGlu(gateUp, inter, invariance.activationRows(inter));
  }

  /** Attention of one group's queries over their sequences' cached K/V; padded output rows. */
  private NDArray attend(int layer, NDArray flatQ, GroupInputs g) {
    int b = g.group.size();
    int nq = g.group.queries();
    int ctx = g.group.context();
    int kvh = spec.numKvHeads();
    int grp = spec.queriesPerKvHead();
    int d = spec.headDim();
    // products batched per (KV head, sequence), the cache's head-major order
    NDArray q =
        Rows.select(flatQ, g.queryRows)
            .reshape(b, nq, kvh, grp, d)
            .transpose(2, 0, 3, 1, 4)
            .reshape(kvh * b, grp * nq, d);
    NDArray keys =
        attention.operand(cache.gather(layer, false, g.contextRows)).reshape(kvh * b, ctx, d);
    NDArray values =
        attention.operand(cache.gather(layer, true, g.contextRows)).reshape(kvh * b, ctx, d);
    profile.mark(Section.KV_GATHER);
    // in place on the product's fresh result, as x * scale + mask would compute it
    NDArray scores =
        attention
            .times(q, attention.transposed(keys))
            .muli(scale)
            .reshape(kvh, b, grp, nq, ctx)
            .addi(g.maskBias);
    NDArray probs = scores.softmax(-1).reshape(kvh * b, grp * nq, ctx);
    return BatchInvariance.weightedSum(attention, probs, values, ctx)
        .reshape(kvh, b, grp, nq, d)
        .transpose(1, 3, 0, 2, 4)
        .reshape(b * nq, kvh * grp * d);
  }

  /**
   * Whether {@link LayerScripts} may take x's rows: they exist, and x's products are not padded (a
   * script runs the product on the rows it is given).
   */
  private boolean scripted(NDArray x) {
    int rows = (int) x.getShape().get(0);
    return scripts != null && invariance.padRows(Math.max(rows, product.minRows())) == rows;
  }

  /** Whether the attention block of layer w runs as scripts on x's rows. */
  private boolean attentionScripted(Weights.Layer w, NDArray x) {
    return scripted(x)
        && attention.dtype() == Dtype.BFLOAT16
        && w.qkvBias() == null
        && w.oBias() == null;
  }

  /** Whether the MLP of layer w runs as a script on x's rows (the activation unsplit). */
  private boolean mlpScripted(Weights.Layer w, NDArray x) {
    return scripted(x)
        && w.gateUpBias() == null
        && w.downBias() == null
        && invariance.activationRows(spec.intermediateSize()) >= x.getShape().get(0);
  }

  private NDArray rmsNorm(NDArray x, NDArray weight) {
    NDArray meanSquare = x.square().mean(new int[] {-1}, true);
    return x.div(meanSquare.addi((float) spec.rmsNormEps()).sqrt()).muli(weight);
  }

  /**
   * {@code x @ weight + bias}, with x padded by zero rows to a row count whose kernel gives every
   * row the same result as in any other batch (see {@link BatchInvariance}).
   */
  private NDArray linear(NDArray x, NDArray weight, NDArray bias) {
    int rows = (int) x.getShape().get(0);
    NDArray y = product.apply(x, weight, invariance.padRows(Math.max(rows, product.minRows())));
    return bias == null ? y : y.addi(bias);
  }

  /** A group's index and mask arrays, made once per step and shared by all layers. */
  private static final class GroupInputs {
    final AttentionGroup group;
    final NDArray queryRows;
    final NDArray contextRows;
    final NDArray maskBias;

    GroupInputs(NDManager m, KvCache cache, AttentionGroup g) {
      this.group = g;
      this.queryRows = m.create(g.queryRows());
      this.contextRows = cache.headRows(m, g.contextSlots());
      // broadcast over KV heads and the queries sharing one
      this.maskBias = m.create(g.maskBias(), new Shape(1, g.size(), 1, g.queries(), g.context()));
    }
  }
}
