package io.pagedstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pagedstream.batcher.KvBudget;
import io.pagedstream.batcher.KvEstimator;
import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.memory.GpuBudget;
import io.pagedstream.core.memory.MemoryPlan;
import io.pagedstream.core.memory.PublishedConfigs;
import io.pagedstream.core.memory.Workload;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.engine.EngineConfig;
import io.pagedstream.engine.kv.KvCache;
import io.pagedstream.engine.precision.Caster;
import io.pagedstream.engine.precision.Precision;
import io.pagedstream.engine.scheduler.SchedulerConfig.KvLayout;
import io.pagedstream.testing.SharedData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class PlanCommandTest {

  @TempDir Path tmp;

  record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return new ObjectMapper()
          .readerFor(JsonNode.class)
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .readValue(out);
    }
  }

  static Run run(String... args) {
    CommandLine cl = new CommandLine(new PlanCommand());
    cl.setExecutionExceptionHandler(new OneLineErrors());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  Path config(String name) {
    return PublishedConfigs.modelDir(tmp.resolve(name), name).resolve("config.json");
  }

  @Test
  void jsonForLlama13bHasTheClassicScenario() throws Exception {
    Run r =
        run(
            "--model",
            config("llama-2-13b").toString(),
            "--dtype",
            "float16",
            "--max-seq-len",
            "2000",
            "--concurrency",
            "10",
            "--max-num-batched-tokens",
            "4096",
            "--json");
    assertThat(r.exit()).isZero();
    assertThat(r.err()).isEmpty();
    JsonNode j = r.json();
    assertThat(j.isObject()).isTrue();
    assertThat(j.get("parameters").asLong()).isEqualTo(13_015_864_320L);
    assertThat(j.get("weight_bytes").asLong()).isEqualTo(2 * 13_015_864_320L);
    assertThat(j.get("kv_bytes_per_token").asLong()).isEqualTo(819_200);
    assertThat(j.get("kv_bytes_per_block").asLong()).isEqualTo(16 * 819_200);
    assertThat(j.get("kv_bytes_for_concurrency").asLong()).isEqualTo(16_384_000_000L);
    assertThat(j.get("total_bytes").asLong())
        .isEqualTo(
            j.get("weight_bytes").asLong()
                + j.get("activation_bytes_estimate").asLong()
                + j.get("kv_bytes_for_concurrency").asLong());
    assertThat(j.get("activation_estimate").get("formula").asText())
        .contains("max_num_batched_tokens");
    assertThat(j.get("activation_estimate").get("source").asText()).contains("vLLM");

    // the capacity figures are MemoryPlan's, for an 80 GiB GPU at 0.9
    MemoryPlan plan =
        MemoryPlan.of(PublishedConfigs.spec("llama-2-13b"), Dtype.FLOAT16)
            .withWorkload(new Workload(2000, 10, 4096));
    GpuBudget gpu = GpuBudget.ofGib(80, 0.9);
    assertThat(j.get("activation_bytes_estimate").asLong()).isEqualTo(plan.overhead().total());
    assertThat(j.get("kv_blocks_available").asLong())
        .isEqualTo(plan.kvBlocksAvailable(gpu))
        .isEqualTo(3797);
    assertThat(j.get("max_concurrent_sequences").asLong()).isEqualTo(30);
    assertThat(j.get("gpus_needed").asInt()).isEqualTo(1);
  }

  @Test
  void acceptsAModelFolder() throws Exception {
    Path dir = PublishedConfigs.modelDir(tmp.resolve("qwen"), "qwen2.5-7b");
    JsonNode j = run("--model", dir.toString(), "--json").json();
    assertThat(j.get("model_type").asText()).isEqualTo("qwen2");
    assertThat(j.get("kv_bytes_per_token").asLong()).isEqualTo(57_344);
  }

  @Test
  void kvDtypeIsSetApartFromTheWeights() throws Exception {
    String model = config("llama-3.1-8b").toString();
    JsonNode int4 = run("--model", model, "--dtype", "int4", "--json").json();
    long params = int4.get("parameters").asLong();
    assertThat(int4.get("weight_bytes").asLong()).isEqualTo((params + 1) / 2);
    assertThat(int4.get("kv_dtype").asText()).isEqualTo("float16");
    assertThat(int4.get("kv_bytes_per_token").asLong()).isEqualTo(131_072);
    JsonNode fp8Kv =
        run("--model", model, "--dtype", "bfloat16", "--kv-dtype", "fp8", "--json").json();
    assertThat(fp8Kv.get("weight_bytes").asLong()).isEqualTo(2 * params);
    assertThat(fp8Kv.get("kv_bytes_per_token").asLong()).isEqualTo(65_536);
  }

  @Test
  void tensorParallelSplitsPerGpuFigures() throws Exception {
    String model = config("llama-2-70b").toString();
    JsonNode one = run("--model", model, "--json").json();
    JsonNode two = run("--model", model, "--tp", "2", "--json").json();
    assertThat(one.get("fits").asBoolean()).isFalse();
    assertThat(one.get("kv_blocks_available").asLong()).isZero();
    assertThat(one.get("gpus_needed").asInt()).isEqualTo(2);
    assertThat(two.get("fits").asBoolean()).isTrue();
    assertThat(two.get("weight_bytes").asLong()).isEqualTo(one.get("weight_bytes").asLong());
    assertThat(two.get("weight_bytes_per_gpu").asLong())
        .isEqualTo(one.get("weight_bytes").asLong() / 2);
    assertThat(two.get("kv_bytes_per_token_per_gpu").asLong()).isEqualTo(327_680 / 2);
    assertThat(two.get("kv_blocks_available").asLong()).isPositive();
  }

  @Test
  void gpusNeededIsNullWhenNothingFits() throws Exception {
    JsonNode j =
        run(
                "--model",
                config("llama-2-70b").toString(),
                "--concurrency",
                "1000",
                "--max-seq-len",
                "100000",
                "--json")
            .json();
    assertThat(j.get("gpus_needed").isNull()).isTrue();
  }

  @Test
  void tableIsReadable() {
    Run r = run("--model", config("llama-2-13b").toString());
    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .contains("parameters                       13,015,864,320 (13.02 B)")
        .contains("weights (float16)                26,031,728,640 B (24.24 GiB)")
        .contains("KV per token (float16)           819,200 B (800.00 KiB)")
        .contains("KV for 10 x 2,000 tokens         16,384,000,000 B (15.26 GiB)")
        // the engine's default step: 2,048 tokens x (2 x 5,120 + 3 x 13,824) x 2 bytes
        .contains("activations (2,048 tok/step)   211,812,352 B (202.00 MiB)")
        .contains("KV blocks available              3,813")
        .contains("max concurrent sequences         30 of 2,000 tokens (the workload fits)")
        .contains("GPUs needed                      1")
        .contains("source: vLLM");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "missing field|\"hidden_size\": 5120,||config.json is missing hidden_size",
        "unknown type|\"model_type\": \"llama\"|\"model_type\": \"gpt_neox\"|model_type 'gpt_neox' is not supported",
        "zero heads|\"num_attention_heads\": 40|\"num_attention_heads\": 0|num_attention_heads must be positive, got 0",
        "GQA ratio|\"num_key_value_heads\": 40|\"num_key_value_heads\": 6|num_attention_heads (40) is not a multiple of num_key_value_heads (6)",
        "zero KV heads|\"num_key_value_heads\": 40|\"num_key_value_heads\": 0|num_key_value_heads must be positive, got 0",
        "fractional layers|\"num_hidden_layers\": 40|\"num_hidden_layers\": 40.5|num_hidden_layers must be an integer"
      })
  void badConfigsFailWithOneLine(String what, String from, String to, String message)
      throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("bad"));
    Files.writeString(
        dir.resolve("config.json"),
        PublishedConfigs.json("llama-2-13b").replace(from, to == null ? "" : to));
    assertFailsWithOneLine(run("--model", dir.toString()), message);
  }

  @Test
  void badFlagsFailWithOneLine() {
    String model = config("llama-2-13b").toString();
    assertFailsWithOneLine(
        run("--model", model, "--tp", "3"),
        "tensor parallel size 3 does not divide num_attention_heads (40)");
    assertFailsWithOneLine(run("--model", model, "--dtype", "float64"), "unknown dtype 'float64'");
    assertFailsWithOneLine(run("--model", model, "--kv-dtype", "int3"), "unknown dtype 'int3'");
    assertFailsWithOneLine(
        run("--model", model, "--gpu-memory-utilization", "1.5"),
        "GPU memory utilization must be in (0, 1], got 1.5");
    assertFailsWithOneLine(
        run("--model", model, "--concurrency", "0"), "concurrency must be at least 1, got 0");
    assertFailsWithOneLine(
        run("--model", model, "--block-size", "0"), "block size must be at least 1, got 0");
    assertFailsWithOneLine(run("--model", tmp.resolve("nowhere").toString()), "no config.json at");
  }

  private static void assertFailsWithOneLine(Run r, String message) {
    assertThat(r.exit()).isNotZero();
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines().toList()).hasSize(1);
    assertThat(r.err()).startsWith("error: ").contains(message);
  }

  // ---- the engine's pool comes from the same memory model ----

  /** The engine's KV pool size for a model under the given engine flags. */
  /**
   * The engine pool's blocks for these options; float32 K and V unless the options say otherwise.
   */
  static int poolBlocks(ModelSpec spec, String... args) {
    return config(spec, args).numKvBlocks();
  }

  static EngineConfig config(ModelSpec spec, String... args) {
    EngineOptions options = new EngineOptions();
    List<String> all = new ArrayList<>(List.of(args));
    if (!all.contains("--kv-cache-dtype")) {
      all.add("--kv-cache-dtype");
      all.add("float32");
    }
    new CommandLine(options).parseArgs(all.toArray(String[]::new));
    return options.toConfig(spec, KvLayout.PAGED);
  }

  @Test
  void engineKvPoolFromBudgetEqualsMemoryPlan() {
    ModelSpec llama = PublishedConfigs.spec("llama-2-7b");
    // float32 Llama-2-7B: 1 MiB per token, 16 MiB per block of 16: 1 GiB holds 64 blocks
    assertThat(poolBlocks(llama, "--kv-cache-gib", "1")).isEqualTo(64);
    for (String model :
        new String[] {"llama-2-7b", "qwen2.5-0.5b", "mistral-nemo-base-2407", "smollm-135m"}) {
      for (int blockSize : new int[] {1, 16, 32}) {
        ModelSpec spec = PublishedConfigs.spec(model);
        long budget = Math.round(2.5 * GpuBudget.GIB);
        long planned =
            MemoryPlan.of(spec, Dtype.FLOAT32)
                .withKvDtype(Dtype.FLOAT32)
                .withBlockSize(blockSize)
                .kvBlocksWithin(budget);
        int pooled =
            poolBlocks(spec, "--kv-cache-gib", "2.5", "--block-size", Integer.toString(blockSize));
        assertThat(pooled).as("%s block size %d", model, blockSize).isEqualTo(planned).isPositive();
      }
    }
    // an explicit block count wins over the budget
    assertThat(poolBlocks(llama, "--kv-blocks", "7", "--kv-cache-gib", "2.5")).isEqualTo(7);
  }

  @ParameterizedTest
  @CsvSource({"float32", "float16", "bfloat16"})
  void planBatcherAndEngineAgreeOnTheKvPoolInEveryDtype(String kvDtype) {
    ModelSpec spec = ModelSpec.load(SharedData.model("tiny-stories-synth"));
    int blockSize = 16;
    long budget = Math.round(0.01 * GpuBudget.GIB);
    EngineConfig config =
        config(spec, "--kv-cache-gib", "0.01", "--block-size", "16", "--kv-cache-dtype", kvDtype);
    int blocks = config.numKvBlocks();
    Dtype kv = Dtype.parse(kvDtype);
    assertThat(config.kvCacheDtype()).isEqualTo(kv);
    MemoryPlan plan = MemoryPlan.of(spec, Dtype.FLOAT32).withKvDtype(kv).withBlockSize(blockSize);
    assertThat(blocks).isEqualTo(plan.kvBlocksWithin(budget));
    // half precision holds twice the blocks of float32 in the same memory (one more where the
    // float32 pool's rounding down left half a block's bytes over)
    int float32Blocks = poolBlocks(spec, "--kv-cache-gib", "0.01", "--block-size", "16");
    if (kv == Dtype.FLOAT32) {
      assertThat(blocks).isEqualTo(float32Blocks);
    } else {
      assertThat(blocks).isBetween(2 * float32Blocks, 2 * float32Blocks + 1);
    }
    // the batcher's estimator, given the same budget as memory or as the processors' block count
    assertThat(KvEstimator.of(spec, blockSize, new KvBudget.Memory(budget, kv)).budgetBlocks())
        .isEqualTo(blocks);
    assertThat(KvEstimator.of(spec, blockSize, KvBudget.blocks(blocks)).budgetBlocks())
        .isEqualTo(blocks);
    // and the engine's tensors hold exactly that many bytes
    try (NDManager m = NDManager.newBaseManager(Device.cpu());
        Precision precision = Precision.open(m, Dtype.FLOAT32, kv);
        Caster caster = precision.caster(m);
        KvCache cache = new KvCache(m, Device.cpu(), spec, blocks, blockSize, precision, caster)) {
      assertThat(cache.bytes()).isEqualTo(blocks * plan.kvBytesPerBlock());
      assertThat(cache.bytes()).isLessThanOrEqualTo(budget);
      assertThat(cache.bytes() + plan.kvBytesPerBlock()).isGreaterThan(budget);
    }
  }

  @Test
  void engineRefusesABudgetBelowOneBlock() {
    ModelSpec llama = PublishedConfigs.spec("llama-2-7b");
    assertThatThrownBy(() -> poolBlocks(llama, "--kv-cache-gib", "0.001"))
        .hasMessageContaining("--kv-cache-gib 0.001 holds no KV block of 16777216 bytes");
  }
}
