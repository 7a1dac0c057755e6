package io.pagedstream.core.memory;

import io.pagedstream.core.model.ModelSpec;

/**
 * The exact number of parameters of a Llama-family decoder, by part, counted from the tensor shapes
 * transformers' {@code LlamaForCausalLM}, {@code MistralForCausalLM} and {@code Qwen2ForCausalLM}
 * create (the same tensors {@code Weights} loads). Rotary frequencies are buffers, not parameters,
 * and are not counted.
 *
 * @param embedding {@code embed_tokens}: vocab x hidden
 * @param queryOutput q_proj and o_proj over all layers, with their biases
 * @param keyValue k_proj and v_proj over all layers, with their biases; kept apart because these
 *     are the tensors tensor parallelism replicates once it has more GPUs than KV heads
 * @param mlp gate_proj, up_proj and down_proj over all layers, with their biases
 * @param norms the two RMSNorm weights per layer plus the final norm
 * @param lmHead the output projection; 0 when it is tied to the embedding
 */
public record ParameterCount(
    long embedding, long queryOutput, long keyValue, long mlp, long norms, long lmHead) {

  public static ParameterCount of(ModelSpec s) {
    long h = s.hiddenSize();
    long q = (long) s.numHeads() * s.headDim();
    long kv = (long) s.numKvHeads() * s.headDim();
    long inter = s.intermediateSize();
    long layers = s.numLayers();
    // qwen2 biases q, k and v only; Llama's attention_bias also biases o_proj (transformers'
    // LlamaAttention passes config.attention_bias to all four projections).
    boolean qkvBias = s.attentionBias();
    boolean oBias = s.attentionBias() && !s.modelType().equals("qwen2");
    long qo = h * q + (qkvBias ? q : 0) + q * h + (oBias ? h : 0);
    long kvProj = 2 * (h * kv + (qkvBias ? kv : 0));
    long mlp = 3 * h * inter + (s.mlpBias() ? 2 * inter + h : 0);
    long vocabRows = (long) s.vocabSize() * h;
    return new ParameterCount(
        vocabRows,
        layers * qo,
        layers * kvProj,
        layers * mlp,
        layers * 2 * h + h,
        s.tieWordEmbeddings() ? 0 : vocabRows);
  }

  public long attention() {
    return queryOutput + keyValue;
  }

  public long total() {
    return embedding + queryOutput + keyValue + mlp + norms + lmHead;
  }
}
