/**
 * The memory model: what a Llama-family model costs in weights, KV cache and activations, and what
 * that leaves on a GPU.
 *
 * <h2>Parameters and weights</h2>
 *
 * {@link io.pagedstream.core.memory.ParameterCount} counts every tensor transformers creates for
 * {@code llama}, {@code mistral} and {@code qwen2} from the {@code config.json} shape alone:
 * embeddings (vocab x hidden), per layer q/k/v/o projections with grouped-query attention (q and o
 * are {@code heads x head_dim} wide, k and v {@code kv_heads x head_dim}; {@code head_dim} is the
 * config's own when it has one, as Mistral-Nemo and Llama 3.2 do, else hidden / heads), q/k/v
 * biases for qwen2 (and Llama's {@code attention_bias}), the three MLP matrices, two RMSNorms per
 * layer and a final one, and an {@code lm_head} unless {@code tie_word_embeddings}. Weight bytes
 * are parameters x dtype bytes ({@link io.pagedstream.core.memory.Dtype}; int4 is half a byte,
 * rounded up once); quantization scales and zero points are not counted.
 *
 * <h2>KV cache</h2>
 *
 * One token costs {@code 2 x layers x kv_heads x head_dim x KV dtype bytes} (K and V, every layer),
 * with the KV dtype chosen apart from the weights (vLLM's {@code --kv-cache-dtype}). Memory is
 * handed out in blocks of {@code block_size} tokens, so a sequence of n tokens holds {@code ceil(n
 * / block_size)} blocks (the PagedAttention paper, Kwon et al., SOSP 2023; vLLM's block manager).
 * Sliding-window attention is not modelled: like this project's engine, the plan keeps every
 * token's K and V.
 *
 * <h2>What is left for the KV cache</h2>
 *
 * As vLLM does: each GPU may use {@code gpu_memory_utilization x memory}; from that come its
 * weights and its {@link io.pagedstream.core.memory.ActivationEstimate activation and overhead
 * estimate} (whose javadoc states the formula and its source), and the rest is cut into KV blocks.
 * Max concurrent sequences is blocks / blocks per sequence. GPUs needed is the smallest
 * tensor-parallel group ({@link io.pagedstream.core.memory.TensorParallel}: weights and KV heads
 * divided across the GPUs, KV heads replicated once GPUs outnumber them, as vLLM does) where every
 * GPU holds its weights, overhead and all of the workload's blocks.
 *
 * <h2>The engine</h2>
 *
 * The engine's own pool, when not given as a block count, is the number of blocks of its float32 KV
 * cache that fit a budget: {@link io.pagedstream.core.memory.MemoryPlan#kvBlocksWithin(long)}.
 */
package io.pagedstream.core.memory;
