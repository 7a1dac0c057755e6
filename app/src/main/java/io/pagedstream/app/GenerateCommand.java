package io.pagedstream.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.core.request.JsonlReader;
import io.pagedstream.core.request.RequestValidator;
import io.pagedstream.core.request.ServedModel;
import io.pagedstream.core.text.TextTokenizer;
import io.pagedstream.engine.EngineStats;
import io.pagedstream.engine.LlmEngine;
import io.pagedstream.engine.scheduler.SchedulerConfig.KvLayout;
import io.pagedstream.processor.IntraOpThreads;
import io.pagedstream.tokenizer.ChatEncoders;
import io.pagedstream.tokenizer.HuggingFaceTextTokenizer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code pagedstream generate}: a JSONL file of requests through the engine, one result line each.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description =
        "Generate completions for a JSONL file of requests with the paged-attention engine, "
            + "writing exactly one result line per input line, in input order.")
final class GenerateCommand implements Callable<Integer> {

  @Option(
      names = "--model",
      required = true,
      description =
          "Hugging Face model folder (config.json, model.safetensors, optional tokenizer.json)")
  Path model;

  @Option(
      names = "--input",
      required = true,
      description = "requests, one JSON object per line ('-' for stdin)")
  String input;

  @Option(names = "--output", required = true, description = "results file ('-' for stdout)")
  String output;

  @Option(
      names = "--errors",
      description =
          "also write the failed lines' results to this file (as OpenAI's batch error file)")
  Path errors;

  @Option(
      names = "--served-model-name",
      description =
          "the model name OpenAI batch lines must give in body.model "
              + "(default: the model folder's name)")
  String servedModelName;

  @Option(names = "--stats", description = "write run statistics as JSON to this file")
  Path stats;

  @Option(names = "--quiet", description = "no progress bar")
  boolean quiet;

  @Mixin EngineOptions engineOptions;

  @Override
  public Integer call() throws Exception {
    ModelSpec spec = ModelSpec.load(model);
    Optional<TextTokenizer> tokenizer = HuggingFaceTextTokenizer.forModel(model);
    IntraOpThreads.set(engineOptions.threads());
    try (LlmEngine engine = LlmEngine.load(model, engineOptions.toConfig(spec, KvLayout.PAGED));
        InputStream in = input.equals("-") ? System.in : Files.newInputStream(Path.of(input));
        ResultFiles out = ResultFiles.open(output, errors)) {
      // the KV pool is the engine's to check: it answers a request that can never fit with an error
      GenerationJob job =
          new GenerationJob(
              engine,
              new RequestValidator(
                  spec, tokenizer, Optional.empty(), ChatEncoders.forModel(model, tokenizer)),
              ServedModel.of(model, servedModelName),
              out);
      JsonlReader.read(in, job::submit);
      long start = System.nanoTime();
      try (Progress progress = Progress.start("generate", job.submitted(), quiet)) {
        job.runToEnd(() -> progress.update(job.emitted(), engine.stats().outputTokens(), start));
        progress.update(job.emitted(), engine.stats().outputTokens(), start);
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      out.flush();
      if (stats != null) {
        Files.writeString(stats, statsJson(job, engine, elapsed).toPrettyString() + "\n");
      }
      System.err.printf(
          "%d requests (%d errors), %d output tokens in %.2f s: %.1f tok/s%n",
          job.submitted(),
          job.errors(),
          engine.stats().outputTokens(),
          elapsed,
          engine.stats().outputTokens() / Math.max(elapsed, 1e-9));
    } finally {
      tokenizer.ifPresent(TextTokenizer::close);
    }
    return 0;
  }

  private static ObjectNode statsJson(GenerationJob job, LlmEngine engine, double elapsed) {
    EngineStats s = engine.stats();
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("requests", job.submitted());
    o.put("errors", job.errors());
    o.put("prompt_tokens", s.promptTokens());
    o.put("output_tokens", s.outputTokens());
    o.put("elapsed_s", elapsed);
    o.put("output_tokens_per_second", s.outputTokens() / Math.max(elapsed, 1e-9));
    o.put("kv_blocks_total", engine.config().numKvBlocks());
    o.put("block_size", engine.config().blockSize());
    o.put("peak_kv_blocks_used", s.peakBlocksUsed());
    o.put("kv_waste_fraction", s.kvWasteFraction());
    o.put("preemptions", s.preemptions());
    o.put("recomputed_tokens", s.recomputedTokens());
    o.put("prefix_cache_hit_tokens", s.prefixCacheHitTokens());
    o.put("steps", s.steps());
    o.put("device", engine.device().toString());
    return o;
  }
}
