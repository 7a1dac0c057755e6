package io.pagedstream.app.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * One benchmark run's figures; {@link #outputs} keeps the generated ids to compare variants (a
 * request's sample i of n under {@code id#i}). {@code computedTokens} counts every token run
 * through the model, prompts and recomputation included.
 */
public record BenchResult(
    String label,
    int requests,
    long promptTokens,
    long outputTokens,
    double elapsedSeconds,
    double kvWasteFraction,
    int peakKvBlocksUsed,
    int kvBlocksTotal,
    int peakRunning,
    long preemptions,
    long recomputedTokens,
    long computedTokens,
    long prefixCacheHitTokens,
    long swapOuts,
    long errors,
    double modelGflops,
    String device,
    Map<String, int[]> outputs,
    Memory memory,
    Map<String, Double> decodeStepProfile,
    String batchInvariance,
    boolean layerScripts) {

  /**
   * What the run stored in which dtype, and the process's resident memory: before the engine
   * loaded, at the peak of loading, and at the peak of the whole run (Linux; -1 elsewhere).
   */
  public record Memory(
      String dtype,
      String kvCacheDtype,
      long weightBytes,
      long kvBytesPerToken,
      long kvCacheBytes,
      long rssBeforeLoadBytes,
      long loadPeakRssBytes,
      long peakRssBytes) {}

  public double outputTokensPerSecond() {
    return outputTokens / Math.max(elapsedSeconds, 1e-9);
  }

  public double totalTokensPerSecond() {
    return (promptTokens + outputTokens) / Math.max(elapsedSeconds, 1e-9);
  }

  /** Model arithmetic per second, from the FLOP count of every token the model computed. */
  public double achievedGflopsPerSecond() {
    return modelGflops / Math.max(elapsedSeconds, 1e-9);
  }

  public ObjectNode toJson() {
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("requests", requests);
    o.put("prompt_tokens", promptTokens);
    o.put("output_tokens", outputTokens);
    o.put("elapsed_s", elapsedSeconds);
    o.put("output_tokens_per_second", outputTokensPerSecond());
    o.put("total_tokens_per_second", totalTokensPerSecond());
    o.put("kv_waste_fraction", kvWasteFraction);
    o.put("peak_kv_blocks_used", peakKvBlocksUsed);
    o.put("kv_blocks_total", kvBlocksTotal);
    o.put("peak_running_sequences", peakRunning);
    o.put("preemptions", preemptions);
    o.put("recomputed_tokens", recomputedTokens);
    o.put("computed_tokens", computedTokens);
    o.put("prefix_cache_hit_tokens", prefixCacheHitTokens);
    o.put("swap_outs", swapOuts);
    o.put("errors", errors);
    o.put("achieved_gflops_per_second", achievedGflopsPerSecond());
    o.put("device", device);
    o.put("dtype", memory.dtype());
    o.put("kv_cache_dtype", memory.kvCacheDtype());
    o.put("weight_bytes", memory.weightBytes());
    o.put("kv_bytes_per_token", memory.kvBytesPerToken());
    o.put("kv_cache_bytes", memory.kvCacheBytes());
    o.put("rss_before_load_bytes", memory.rssBeforeLoadBytes());
    o.put("load_peak_rss_bytes", memory.loadPeakRssBytes());
    o.put("peak_rss_bytes", memory.peakRssBytes());
    o.put("batch_invariance", batchInvariance);
    o.put("layer_scripts", layerScripts);
    if (decodeStepProfile != null) {
      ObjectNode p = o.putObject("decode_step_ms");
      decodeStepProfile.forEach(p::put);
    }
    return o;
  }
}
