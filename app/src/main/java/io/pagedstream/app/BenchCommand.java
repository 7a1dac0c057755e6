package io.pagedstream.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pagedstream.app.bench.BenchResult;
import io.pagedstream.app.bench.BenchRunner;
import io.pagedstream.app.bench.Workload;
import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.engine.EngineConfig;
import io.pagedstream.engine.LlmEngine;
import io.pagedstream.engine.MatmulProbe;
import io.pagedstream.engine.scheduler.SchedulerConfig.KvLayout;
import io.pagedstream.engine.scheduler.SchedulerConfig.PreemptionMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code pagedstream bench}: a synthetic workload through the engine, with side-by-side variants.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Run a synthetic bulk workload (random prompt ids, ignore_eos) through the engine and report "
          + "throughput and KV-cache figures. --compare runs the same workload again with one thing changed "
          + "and reports the runs side by side, checking that their outputs are identical."
    })
final class BenchCommand implements Callable<Integer> {

  @Option(names = "--model", required = true, description = "model folder (see make-model)")
  Path model;

  @Option(
      names = "--requests",
      defaultValue = "64",
      description = "number of requests (default: ${DEFAULT-VALUE})")
  int requests;

  @Option(
      names = "--prompt-len",
      defaultValue = "128",
      description = "prompt tokens per request (default: ${DEFAULT-VALUE})")
  int promptLen;

  @Option(
      names = "--prompt-len-range",
      description = "LO:HI, prompt lengths drawn uniformly instead of --prompt-len")
  String promptLenRange;

  @Option(
      names = "--shared-prefix-len",
      defaultValue = "0",
      description = "leading prompt tokens all requests share (default: ${DEFAULT-VALUE})")
  int sharedPrefixLen;

  @Option(
      names = "--max-tokens",
      defaultValue = "128",
      description = "new tokens per request (default: ${DEFAULT-VALUE})")
  int maxTokens;

  @Option(
      names = "--temperature",
      defaultValue = "0",
      description = "0 = greedy; else sampled with a per-request seed (default: ${DEFAULT-VALUE})")
  double temperature;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "workload seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(
      names = "--kv-layout",
      defaultValue = "paged",
      description =
          "paged, or contiguous: each sequence reserves prompt + max_tokens slots up front (default: ${DEFAULT-VALUE})")
  String kvLayout;

  @Option(
      names = "--compare",
      split = ",",
      description =
          "also run with: layout (the other KV layout), preemption (the other preemption mode), prefix (prefix caching toggled)")
  List<String> compare = new ArrayList<>();

  @Option(
      names = "--baseline-max-num-seqs",
      description =
          "also measure this max-num-seqs (e.g. 1) in the same run, on --baseline-requests requests")
  Integer baselineMaxNumSeqs;

  @Option(
      names = "--baseline-requests",
      defaultValue = "8",
      description = "requests for the --baseline-max-num-seqs run (default: ${DEFAULT-VALUE})")
  int baselineRequests;

  @Option(
      names = "--matmul",
      description = "also measure a large float32 matmul's GFLOP/s in this JVM, for comparison")
  boolean matmul;

  @Option(
      names = "--n",
      defaultValue = "1",
      description =
          "samples per request, sharing the prompt's KV blocks; "
              + "above 1, also runs the n samples as n separate requests (prefix caching off, then on) and reports "
              + "peak KV blocks side by side (default: ${DEFAULT-VALUE})")
  int n;

  @Option(names = "--json", description = "end with one line of JSON with every figure")
  boolean json;

  @Option(
      names = "--profile",
      description = "also report where a decode-only step's time goes, by section")
  boolean profile;

  @Mixin EngineOptions engineOptions;

  @Override
  public Integer call() {
    ModelSpec spec = ModelSpec.load(model);
    int lo = promptLen;
    int hi = promptLen;
    if (promptLenRange != null) {
      String[] parts = promptLenRange.split(":");
      if (parts.length != 2) {
        throw new IllegalArgumentException(
            "--prompt-len-range must look like LO:HI, got " + promptLenRange);
      }
      lo = Integer.parseInt(parts[0].trim());
      hi = Integer.parseInt(parts[1].trim());
    }
    KvLayout layout =
        switch (kvLayout) {
          case "paged" -> KvLayout.PAGED;
          case "contiguous" -> KvLayout.CONTIGUOUS;
          default ->
              throw new IllegalArgumentException(
                  "--kv-layout must be paged or contiguous, got " + kvLayout);
        };
    Workload workload =
        Workload.synthetic(
            requests, lo, hi, sharedPrefixLen, maxTokens, temperature, spec.vocabSize(), seed);
    EngineConfig base = engineOptions.toConfig(spec, layout);
    BenchRunner runner = new BenchRunner(model);

    Workload separate = workload.asSeparateSamples(n);
    if (n > 1) {
      workload = workload.withSamples(n);
    }
    Map<String, BenchResult> runs = new LinkedHashMap<>();
    BenchResult primary =
        runner.run(describe(base) + (n > 1 ? ", n " + n : ""), base, workload, profile);
    runs.put("primary", primary);
    if (n > 1) {
      // the same samples as n x requests separate requests: with prefix caching off nothing is
      // shared; with it on, the prompt's full blocks are (not its last partial one)
      for (boolean prefix : new boolean[] {false, true}) {
        EngineConfig c = base.withPrefixCaching(prefix);
        runs.put(
            prefix ? "separate_prefix_on" : "separate_prefix_off",
            runner.run(describe(c) + ", " + n + " separate requests each", c, separate));
      }
    }
    for (String c : compare) {
      EngineConfig variant =
          switch (c.trim()) {
            case "layout" ->
                base.withLayout(layout == KvLayout.PAGED ? KvLayout.CONTIGUOUS : KvLayout.PAGED)
                    .withPrefixCaching(
                        layout == KvLayout.CONTIGUOUS && !engineOptions.noPrefixCaching);
            case "preemption" ->
                base.withPreemption(
                    base.preemptionMode() == PreemptionMode.RECOMPUTE
                        ? PreemptionMode.SWAP
                        : PreemptionMode.RECOMPUTE,
                    (long) (engineOptions.swapSpaceGib * (1L << 30)));
            case "prefix" -> base.withPrefixCaching(!base.prefixCaching());
            default ->
                throw new IllegalArgumentException(
                    "--compare takes layout, preemption or prefix, got " + c);
          };
      runs.put(c.trim(), runner.run(describe(variant), variant, workload));
    }
    BenchResult baseline = null;
    if (baselineMaxNumSeqs != null) {
      EngineConfig b = base.withMaxNumSeqs(baselineMaxNumSeqs);
      baseline = runner.run(describe(b), b, workload.first(baselineRequests));
    }
    Double matmulGflops =
        matmul ? MatmulProbe.gflops(LlmEngine.resolveDevice(base.device()), 2048, 10) : null;
    BenchResult.Memory mem = primary.memory();
    // the same-dtype matmul rate, measured in this JVM: the ceiling for the model's arithmetic
    double dtypeGflops =
        MatmulProbe.gflops(
            LlmEngine.resolveDevice(base.device()), 1024, 3, Dtype.parse(mem.dtype()));
    double mfu = primary.achievedGflopsPerSecond() / dtypeGflops;

    printTable(runs, baseline);
    boolean identical = runs.values().stream().allMatch(r -> sameOutputs(primary, r));
    if (!compare.isEmpty() || n > 1) {
      System.out.println("outputs identical across runs: " + identical);
    }
    if (n > 1) {
      BenchResult off = runs.get("separate_prefix_off");
      BenchResult on = runs.get("separate_prefix_on");
      System.out.printf(
          "n = %d: peak KV blocks %d sharing the prompt, %d as separate requests (%d with prefix "
              + "caching); tokens computed %d, %d (%d)%n",
          n,
          primary.peakKvBlocksUsed(),
          off.peakKvBlocksUsed(),
          on.peakKvBlocksUsed(),
          primary.computedTokens(),
          off.computedTokens(),
          on.computedTokens());
    }
    if (baseline != null) {
      System.out.printf(
          "batching speed-up: %.1fx output tok/s with max-num-seqs %d over %d%n",
          primary.outputTokensPerSecond() / baseline.outputTokensPerSecond(),
          base.maxNumSeqs(),
          baselineMaxNumSeqs);
    }
    System.out.printf(
        "dtype %s, KV cache %s: weights %.1f MB, KV %d bytes/token, pool %.1f MB; "
            + "model FLOPs utilization %.0f%% of a %s matmul's %.1f GFLOP/s%n",
        mem.dtype(),
        mem.kvCacheDtype(),
        mem.weightBytes() / 1e6,
        mem.kvBytesPerToken(),
        mem.kvCacheBytes() / 1e6,
        100 * mfu,
        mem.dtype(),
        dtypeGflops);
    if (mem.peakRssBytes() > 0) {
      System.out.printf(
          "resident memory: %.0f MB before the weights, %.0f MB peak while loading them (+%.0f MB), %.0f MB peak of the run%n",
          mem.rssBeforeLoadBytes() / 1e6,
          mem.loadPeakRssBytes() / 1e6,
          (mem.loadPeakRssBytes() - mem.rssBeforeLoadBytes()) / 1e6,
          mem.peakRssBytes() / 1e6);
    }
    System.out.println(
        primary.batchInvariance()
            + (primary.layerScripts() ? "; layers run as TorchScript calls" : "; layers op by op"));
    if (primary.decodeStepProfile() != null) {
      Map<String, Double> p = primary.decodeStepProfile();
      double total =
          p.entrySet().stream()
              .filter(e -> !e.getKey().equals("steps") && !e.getKey().equals("tokens_per_step"))
              .mapToDouble(Map.Entry::getValue)
              .sum();
      System.out.printf(
          "decode step (%.0f steps of %.1f tokens): %.2f ms%n",
          p.get("steps"), p.get("tokens_per_step"), total);
      p.forEach(
          (k, v) -> {
            if (!k.equals("steps") && !k.equals("tokens_per_step")) {
              System.out.printf("  %-12s %8.3f ms  %5.1f%%%n", k, v, 100 * v / total);
            }
          });
    }
    if (matmulGflops != null) {
      System.out.printf(
          "float32 matmul: %.1f GFLOP/s; the model ran at %.1f GFLOP/s (%.0f%% of it)%n",
          matmulGflops,
          primary.achievedGflopsPerSecond(),
          100 * primary.achievedGflopsPerSecond() / matmulGflops);
    }
    if (json) {
      ObjectNode o = primary.toJson();
      o.put("kv_layout", kvLayout);
      o.put("max_num_seqs", base.maxNumSeqs());
      o.put("block_size", base.blockSize());
      o.put("preemption_mode", base.preemptionMode().name().toLowerCase());
      o.put("prefix_caching", base.prefixCaching());
      o.put("n", n);
      o.put("dtype_matmul_gflops_per_second", dtypeGflops);
      o.put("model_flops_utilization", mfu);
      if (!compare.isEmpty() || n > 1) {
        ObjectNode cmp = o.putObject("comparisons");
        runs.forEach(
            (k, r) -> {
              if (!k.equals("primary")) {
                cmp.set(k, r.toJson().put("config", r.label()));
              }
            });
        o.put("identical_outputs", identical);
      }
      if (baseline != null) {
        o.set("baseline", baseline.toJson().put("max_num_seqs", baselineMaxNumSeqs));
        o.put(
            "speedup_over_baseline",
            primary.outputTokensPerSecond() / baseline.outputTokensPerSecond());
      }
      if (matmulGflops != null) {
        o.put("matmul_gflops_per_second", matmulGflops);
        o.put("fraction_of_matmul", primary.achievedGflopsPerSecond() / matmulGflops);
      }
      System.out.println(o.toString());
    }
    return 0;
  }

  private static boolean sameOutputs(BenchResult a, BenchResult b) {
    if (!a.outputs().keySet().equals(b.outputs().keySet())) {
      return false;
    }
    return a.outputs().entrySet().stream()
        .allMatch(e -> Arrays.equals(e.getValue(), b.outputs().get(e.getKey())));
  }

  private static String describe(EngineConfig c) {
    return String.format(
        "%s, %s, prefix %s, seqs %d, blocks %dx%d",
        c.kvLayout().name().toLowerCase(),
        c.preemptionMode().name().toLowerCase(),
        c.prefixCaching() ? "on" : "off",
        c.maxNumSeqs(),
        c.numKvBlocks(),
        c.blockSize());
  }

  private static void printTable(Map<String, BenchResult> runs, BenchResult baseline) {
    List<BenchResult> cols = new ArrayList<>(runs.values());
    if (baseline != null) {
      cols.add(baseline);
    }
    String[][] rows = {
      {"requests"},
      {"prompt tokens"},
      {"output tokens"},
      {"elapsed s"},
      {"output tok/s"},
      {"total tok/s"},
      {"KV waste"},
      {"peak KV blocks"},
      {"peak running seqs"},
      {"preemptions"},
      {"computed tokens"},
      {"recomputed tokens"},
      {"prefix-cache hit tokens"},
      {"swap-outs"},
      {"errors"}
    };
    System.out.println();
    for (BenchResult r : cols) {
      System.out.println("run: " + r.label());
    }
    StringBuilder header = new StringBuilder(String.format("%-26s", ""));
    for (int i = 0; i < cols.size(); i++) {
      header.append(String.format("%18s", "run " + (i + 1)));
    }
    System.out.println(header);
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder(String.format("%-26s", row[0]));
      for (BenchResult r : cols) {
        line.append(String.format("%18s", cell(row[0], r)));
      }
      System.out.println(line);
    }
  }

  private static String cell(String row, BenchResult r) {
    return switch (row) {
      case "requests" -> Integer.toString(r.requests());
      case "prompt tokens" -> Long.toString(r.promptTokens());
      case "output tokens" -> Long.toString(r.outputTokens());
      case "elapsed s" -> String.format("%.2f", r.elapsedSeconds());
      case "output tok/s" -> String.format("%.1f", r.outputTokensPerSecond());
      case "total tok/s" -> String.format("%.1f", r.totalTokensPerSecond());
      case "KV waste" -> String.format("%.2f%%", 100 * r.kvWasteFraction());
      case "peak KV blocks" -> r.peakKvBlocksUsed() + "/" + r.kvBlocksTotal();
      case "peak running seqs" -> Integer.toString(r.peakRunning());
      case "preemptions" -> Long.toString(r.preemptions());
      case "computed tokens" -> Long.toString(r.computedTokens());
      case "recomputed tokens" -> Long.toString(r.recomputedTokens());
      case "prefix-cache hit tokens" -> Long.toString(r.prefixCacheHitTokens());
      case "swap-outs" -> Long.toString(r.swapOuts());
      default -> Long.toString(r.errors());
    };
  }
}
