package io.pagedstream.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pagedstream.core.memory.ActivationEstimate;
import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.memory.GpuBudget;
import io.pagedstream.core.memory.MemoryPlan;
import io.pagedstream.core.memory.ParameterCount;
import io.pagedstream.core.memory.Workload;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.engine.EngineConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pagedstream plan}: the memory a model needs for a workload, and what fits on a GPU. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description =
        "Memory plan for a model from its config.json: parameters, weight and KV cache bytes, "
            + "an activation and overhead estimate, the KV blocks and sequences a GPU holds, and the GPUs needed.")
final class PlanCommand implements Callable<Integer> {

  @Option(
      names = "--model",
      required = true,
      description = "a config.json, or a model folder holding one")
  Path model;

  @Option(
      names = "--dtype",
      defaultValue = "float16",
      description =
          "weight dtype: float32, float16, bfloat16, float8, int8 or int4 (default: ${DEFAULT-VALUE})")
  String dtype;

  @Option(
      names = "--kv-dtype",
      description =
          "KV cache dtype (default: the dtype computation runs in: --dtype, or float16 for 8- and 4-bit weights)")
  String kvDtype;

  @Option(
      names = "--max-seq-len",
      defaultValue = "2000",
      description = "tokens per sequence, prompt plus output (default: ${DEFAULT-VALUE})")
  int maxSeqLen;

  @Option(
      names = "--concurrency",
      defaultValue = "10",
      description = "sequences held at once (default: ${DEFAULT-VALUE})")
  int concurrency;

  @Option(
      names = "--gpu-memory-gib",
      defaultValue = "80",
      description = "memory of one GPU in GiB (default: ${DEFAULT-VALUE})")
  double gpuMemoryGib;

  @Option(
      names = "--gpu-memory-utilization",
      defaultValue = "0.9",
      description = "fraction of GPU memory the engine may use (default: ${DEFAULT-VALUE})")
  double gpuMemoryUtilization;

  @Option(
      names = "--block-size",
      defaultValue = "16",
      description = "tokens per KV block (default: ${DEFAULT-VALUE})")
  int blockSize;

  @Option(
      names = "--tp",
      defaultValue = "1",
      description =
          "tensor parallel GPUs the weights and KV heads are split across (default: ${DEFAULT-VALUE})")
  int tp;

  @Option(
      names = "--max-num-batched-tokens",
      defaultValue = "" + EngineConfig.DEFAULT_MAX_NUM_BATCHED_TOKENS,
      description =
          "tokens computed per step, which sizes the activations (default: ${DEFAULT-VALUE})")
  int maxNumBatchedTokens;

  @Option(names = "--json", description = "print one JSON object instead of a table")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    ModelSpec modelSpec = ModelSpec.load(model);
    Dtype weights = Dtype.parse(dtype);
    Dtype kv = kvDtype == null ? weights.computeDtype() : Dtype.parse(kvDtype);
    MemoryPlan plan =
        new MemoryPlan(
            modelSpec,
            weights,
            kv,
            blockSize,
            tp,
            new Workload(maxSeqLen, concurrency, maxNumBatchedTokens));
    GpuBudget gpu = GpuBudget.ofGib(gpuMemoryGib, gpuMemoryUtilization);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(
          new ObjectMapper()
              .writerWithDefaultPrettyPrinter()
              .writeValueAsString(toJson(plan, gpu)));
    } else {
      printTable(plan, gpu, out);
    }
    out.flush();
    return 0;
  }

  static ObjectNode toJson(MemoryPlan plan, GpuBudget gpu) {
    ObjectMapper mapper = new ObjectMapper();
    ParameterCount p = plan.parameters();
    ActivationEstimate overhead = plan.overhead();
    OptionalInt gpus = plan.gpusNeeded(gpu);
    ObjectNode o = mapper.createObjectNode();
    o.put("model_type", plan.spec().modelType());
    o.put("parameters", p.total());
    ObjectNode parts = o.putObject("parameter_breakdown");
    parts.put("embedding", p.embedding());
    parts.put("attention", p.attention());
    parts.put("mlp", p.mlp());
    parts.put("norms", p.norms());
    parts.put("lm_head", p.lmHead());
    o.put("dtype", plan.weightDtype().label());
    o.put("kv_dtype", plan.kvDtype().label());
    o.put("weight_bytes", plan.weightBytes());
    o.put("kv_bytes_per_token", plan.kvBytesPerToken());
    o.put("block_size", plan.blockSize());
    o.put("kv_bytes_per_block", plan.kvBytesPerBlock());
    o.put("max_seq_len", plan.workload().maxSeqLen());
    o.put("concurrency", plan.workload().concurrency());
    o.put("blocks_per_sequence", plan.blocksPerSequence());
    o.put("kv_bytes_for_concurrency", plan.kvBytesForConcurrency());
    o.put("max_num_batched_tokens", plan.workload().maxNumBatchedTokens());
    o.put("activation_bytes_estimate", overhead.total());
    ObjectNode a = o.putObject("activation_estimate");
    a.put("activation_bytes", overhead.activationBytes());
    a.put("logits_bytes", overhead.logitsBytes());
    a.put("fixed_overhead_bytes", overhead.fixedBytes());
    a.put("formula", ActivationEstimate.FORMULA);
    a.put("source", ActivationEstimate.SOURCE);
    o.put("total_bytes", plan.totalBytes());
    o.put("tensor_parallel", plan.tensorParallel());
    o.put("kv_heads_per_gpu", plan.split().kvHeadsPerGpu());
    o.put("weight_bytes_per_gpu", plan.weightBytesPerGpu());
    o.put("kv_bytes_per_token_per_gpu", plan.kvBytesPerTokenPerGpu());
    o.put("kv_bytes_per_block_per_gpu", plan.kvBytesPerBlockPerGpu());
    o.put("total_bytes_per_gpu", plan.totalBytesPerGpu());
    o.put("gpu_memory_bytes", gpu.memoryBytes());
    o.put("gpu_memory_utilization", gpu.utilization());
    o.put("usable_bytes_per_gpu", gpu.usableBytes());
    o.put("kv_bytes_available_per_gpu", plan.kvBytesAvailable(gpu));
    o.put("kv_blocks_available", plan.kvBlocksAvailable(gpu));
    o.put("max_concurrent_sequences", plan.maxConcurrentSequences(gpu));
    o.put("fits", plan.fits(gpu));
    if (gpus.isPresent()) {
      o.put("gpus_needed", gpus.getAsInt());
    } else {
      o.putNull("gpus_needed");
    }
    return o;
  }

  private static void printTable(MemoryPlan plan, GpuBudget gpu, PrintWriter out) {
    ModelSpec s = plan.spec();
    ParameterCount p = plan.parameters();
    ActivationEstimate overhead = plan.overhead();
    Workload w = plan.workload();
    boolean split = plan.tensorParallel() > 1;
    out.printf(
        "Memory plan: %s, %d layers, hidden %d, %d heads / %d KV heads x head_dim %d, vocab %d%n%n",
        s.modelType(),
        s.numLayers(),
        s.hiddenSize(),
        s.numHeads(),
        s.numKvHeads(),
        s.headDim(),
        s.vocabSize());
    row(out, "parameters", String.format(Locale.ROOT, "%,d (%.2f B)", p.total(), p.total() / 1e9));
    row(out, "  embedding", count(p.embedding()));
    row(out, "  attention", count(p.attention()));
    row(out, "  mlp", count(p.mlp()));
    row(out, "  norms", count(p.norms()));
    row(out, "  lm_head", p.lmHead() == 0 ? "0 (tied to the embedding)" : count(p.lmHead()));
    row(out, "weights (" + plan.weightDtype() + ")", bytes(plan.weightBytes()));
    row(out, "KV per token (" + plan.kvDtype() + ")", bytes(plan.kvBytesPerToken()));
    row(out, "KV per block (" + plan.blockSize() + " tokens)", bytes(plan.kvBytesPerBlock()));
    row(
        out,
        "KV per sequence",
        String.format(
            Locale.ROOT, "%,d blocks for %,d tokens", plan.blocksPerSequence(), w.maxSeqLen()));
    row(
        out,
        String.format(Locale.ROOT, "KV for %,d x %,d tokens", w.concurrency(), w.maxSeqLen()),
        bytes(plan.kvBytesForConcurrency()));
    row(out, "activations + overhead" + (split ? " per GPU" : ""), bytes(overhead.total()));
    row(
        out,
        String.format(Locale.ROOT, "  activations (%,d tok/step)", w.maxNumBatchedTokens()),
        bytes(overhead.activationBytes()));
    row(out, "  logits", bytes(overhead.logitsBytes()));
    row(out, "  fixed (CUDA context etc.)", bytes(overhead.fixedBytes()));
    row(out, "total", bytes(plan.totalBytes()));
    out.println();
    row(
        out,
        "GPU",
        String.format(
            Locale.ROOT,
            "%s x %.2f = %s usable, tensor parallel %d",
            human(gpu.memoryBytes()),
            gpu.utilization(),
            human(gpu.usableBytes()),
            plan.tensorParallel()));
    if (split) {
      row(out, "weights per GPU", bytes(plan.weightBytesPerGpu()));
      row(
          out,
          "KV heads per GPU",
          plan.split().kvHeadsPerGpu()
              + (plan.tensorParallel() > s.numKvHeads()
                  ? " (each replicated on " + plan.tensorParallel() / s.numKvHeads() + " GPUs)"
                  : ""));
      row(out, "KV per token per GPU", bytes(plan.kvBytesPerTokenPerGpu()));
      row(out, "total per GPU", bytes(plan.totalBytesPerGpu()));
    }
    long left = plan.kvBytesAvailable(gpu);
    row(
        out,
        "KV memory left" + (split ? " per GPU" : ""),
        left >= 0
            ? bytes(left)
            : "none: weights + overhead exceed usable memory by " + human(-left));
    row(out, "KV blocks available", count(plan.kvBlocksAvailable(gpu)));
    row(
        out,
        "max concurrent sequences",
        String.format(
            Locale.ROOT,
            "%,d of %,d tokens (%s)",
            plan.maxConcurrentSequences(gpu),
            w.maxSeqLen(),
            plan.fits(gpu) ? "the workload fits" : "the workload does not fit"));
    OptionalInt gpus = plan.gpusNeeded(gpu);
    row(
        out,
        "GPUs needed",
        gpus.isPresent()
            ? Integer.toString(gpus.getAsInt())
            : "none: no tensor-parallel group of these GPUs (up to "
                + s.numHeads()
                + ") fits the workload");
    out.println();
    out.println("activation estimate, " + ActivationEstimate.FORMULA);
    out.println("source: " + ActivationEstimate.SOURCE);
  }

  private static void row(PrintWriter out, String label, String value) {
    out.printf("%-32s %s%n", label, value);
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String bytes(long n) {
    return String.format(Locale.ROOT, "%,d B (%s)", n, human(n));
  }

  private static String human(long n) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = 0;
    while (Math.abs(v) >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.2f %s", v, units[u]);
  }
}
