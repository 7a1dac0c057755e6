package io.pagedstream.engine.reference;

import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.core.model.SafetensorsReader;
import io.pagedstream.core.model.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * An independent Llama forward pass for tests: plain Java loops in double precision over the raw
 * safetensors values, one sequence at a time with a contiguous per-sequence KV cache. It shares no
 * code with the engine's forward pass (no DJL, no blocks, no batching, no fused weights), so
 * agreement between the two checks the paged engine against a straightforward implementation.
 */
public final class ReferenceLlama {

  private final ModelSpec spec;
  private final Map<String, double[]> w = new HashMap<>();

  public ReferenceLlama(Path modelDir) {
    this.spec = ModelSpec.load(modelDir);
    try (SafetensorsReader r = SafetensorsReader.open(modelDir.resolve("model.safetensors"))) {
      for (TensorInfo t : r.tensors().values()) {
        FloatBuffer f = r.readFloats(t);
        double[] d = new double[f.remaining()];
        for (int i = 0; i < d.length; i++) {
          d[i] = f.get(i);
        }
        w.put(t.name(), d);
      }
    }
  }

  public ModelSpec spec() {
    return spec;
  }

  /** Greedy generation; also records, per output token, the logit gap between the top two ids. */
  public Generation greedy(int[] prompt, int maxTokens) {
    Session s = new Session();
    double[] logits = null;
    for (int t : prompt) {
      logits = s.forward(t);
    }
    double[] firstLogits = logits.clone();
    int[] out = new int[maxTokens];
    double[] margin = new double[maxTokens];
    for (int i = 0; i < maxTokens; i++) {
      int best = 0;
      for (int v = 1; v < logits.length; v++) {
        if (logits[v] > logits[best]) {
          best = v;
        }
      }
      double second = Double.NEGATIVE_INFINITY;
      for (int v = 0; v < logits.length; v++) {
        if (v != best) {
          second = Math.max(second, logits[v]);
        }
      }
      out[i] = best;
      margin[i] = logits[best] - second;
      if (i + 1 < maxTokens) {
        logits = s.forward(best);
      }
    }
    return new Generation(out, margin, firstLogits);
  }

  /** Output ids, the top-1/top-2 logit gap at each, and the logits after the prompt. */
  public record Generation(int[] tokens, double[] margins, double[] promptLogits) {}

  private final class Session {
    private final int layers = spec.numLayers();
    private final int dim = spec.hiddenSize();
    private final int heads = spec.numHeads();
    private final int kvHeads = spec.numKvHeads();
    private final int hd = spec.headDim();
    private final double[][] keys = new double[layers][spec.maxPositionEmbeddings() * kvHeads * hd];
    private final double[][] values =
        new double[layers][spec.maxPositionEmbeddings() * kvHeads * hd];
    private int pos;

    double[] forward(int token) {
      double[] x = new double[dim];
      System.arraycopy(w.get("model.embed_tokens.weight"), token * dim, x, 0, dim);
      for (int l = 0; l < layers; l++) {
        String p = "model.layers." + l + ".";
        double[] h = rms(x, w.get(p + "input_layernorm.weight"));
        double[] q =
            matvec(
                w.get(p + "self_attn.q_proj.weight"),
                h,
                heads * hd,
                bias(p + "self_attn.q_proj.bias"));
        double[] k =
            matvec(
                w.get(p + "self_attn.k_proj.weight"),
                h,
                kvHeads * hd,
                bias(p + "self_attn.k_proj.bias"));
        double[] v =
            matvec(
                w.get(p + "self_attn.v_proj.weight"),
                h,
                kvHeads * hd,
                bias(p + "self_attn.v_proj.bias"));
        rope(q, heads);
        rope(k, kvHeads);
        System.arraycopy(k, 0, keys[l], pos * kvHeads * hd, kvHeads * hd);
        System.arraycopy(v, 0, values[l], pos * kvHeads * hd, kvHeads * hd);
        double[] att = new double[heads * hd];
        int group = heads / kvHeads;
        for (int head = 0; head < heads; head++) {
          int kvh = head / group;
          double[] scores = new double[pos + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int t = 0; t <= pos; t++) {
            double dot = 0;
            for (int i = 0; i < hd; i++) {
              dot += q[head * hd + i] * keys[l][(t * kvHeads + kvh) * hd + i];
            }
            scores[t] = dot / Math.sqrt(hd);
            max = Math.max(max, scores[t]);
          }
          double sum = 0;
          for (int t = 0; t <= pos; t++) {
            scores[t] = Math.exp(scores[t] - max);
            sum += scores[t];
          }
          for (int t = 0; t <= pos; t++) {
            for (int i = 0; i < hd; i++) {
              att[head * hd + i] += scores[t] / sum * values[l][(t * kvHeads + kvh) * hd + i];
            }
          }
        }
        double[] o =
            matvec(
                w.get(p + "self_attn.o_proj.weight"), att, dim, bias(p + "self_attn.o_proj.bias"));
        for (int i = 0; i < dim; i++) {
          x[i] += o[i];
        }
        double[] h2 = rms(x, w.get(p + "post_attention_layernorm.weight"));
        int inter = spec.intermediateSize();
        double[] gate = matvec(w.get(p + "mlp.gate_proj.weight"), h2, inter, null);
        double[] up = matvec(w.get(p + "mlp.up_proj.weight"), h2, inter, null);
        for (int i = 0; i < inter; i++) {
          gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
        }
        double[] down = matvec(w.get(p + "mlp.down_proj.weight"), gate, dim, null);
        for (int i = 0; i < dim; i++) {
          x[i] += down[i];
        }
      }
      pos++;
      double[] head =
          w.containsKey("lm_head.weight") && !spec.tieWordEmbeddings()
              ? w.get("lm_head.weight")
              : w.get("model.embed_tokens.weight");
      return matvec(head, rms(x, w.get("model.norm.weight")), spec.vocabSize(), null);
    }

    private double[] bias(String name) {
      return w.get(name);
    }

    private void rope(double[] vec, int n) {
      int half = hd / 2;
      for (int head = 0; head < n; head++) {
        for (int i = 0; i < half; i++) {
          double invFreq = 1.0 / Math.pow(spec.ropeTheta(), 2.0 * i / hd);
          double angle = pos * invFreq;
          double c = Math.cos(angle);
          double s = Math.sin(angle);
          double a = vec[head * hd + i];
          double b = vec[head * hd + i + half];
          vec[head * hd + i] = a * c - b * s;
          vec[head * hd + i + half] = b * c + a * s;
        }
      }
    }

    private double[] rms(double[] x, double[] weight) {
      double ss = 0;
      for (double v : x) {
        ss += v * v;
      }
      double scale = 1.0 / Math.sqrt(ss / x.length + spec.rmsNormEps());
      double[] out = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        out[i] = x[i] * scale * weight[i];
      }
      return out;
    }

    private double[] matvec(double[] m, double[] x, int rows, double[] bias) {
      int cols = x.length;
      double[] out = new double[rows];
      for (int r = 0; r < rows; r++) {
        double acc = bias == null ? 0 : bias[r];
        int base = r * cols;
        for (int c = 0; c < cols; c++) {
          acc += m[base + c] * x[c];
        }
        out[r] = acc;
      }
      return out;
    }
  }
}
