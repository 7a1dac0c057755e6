package io.pagedstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code make-model} then {@code bench --json}: the figures are there and consistent. */
class BenchCommandTest {

  @TempDir Path dir;

  @Test
  void aSmallBenchReportsEveryFigure() throws Exception {
    assertThat(
            PagedStream.commandLine()
                .execute("make-model", "--preset", "tiny", "--seed", "3", "--out", dir.toString()))
        .isZero();
    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit =
          PagedStream.commandLine()
              .execute(
                  "bench",
                  "--model",
                  dir.toString(),
                  "--requests",
                  "12",
                  "--prompt-len",
                  "40",
                  "--shared-prefix-len",
                  "32",
                  "--max-tokens",
                  "20",
                  "--max-num-seqs",
                  "4",
                  "--kv-blocks",
                  "20",
                  "--compare",
                  "layout,prefix",
                  "--json");
    } finally {
      System.setOut(saved);
    }
    assertThat(exit).isZero();
    String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
    JsonNode j = new ObjectMapper().readTree(lines[lines.length - 1]);
    for (String f :
        new String[] {
          "requests",
          "prompt_tokens",
          "output_tokens",
          "elapsed_s",
          "output_tokens_per_second",
          "total_tokens_per_second",
          "kv_waste_fraction",
          "peak_kv_blocks_used",
          "preemptions",
          "recomputed_tokens",
          "prefix_cache_hit_tokens",
          "device"
        }) {
      assertThat(j.has(f)).as(f).isTrue();
    }
    assertThat(j.get("requests").asInt()).isEqualTo(12);
    assertThat(j.get("prompt_tokens").asInt()).isEqualTo(12 * 40);
    assertThat(j.get("output_tokens").asInt()).isEqualTo(12 * 20);
    assertThat(j.get("peak_kv_blocks_used").asInt()).isLessThanOrEqualTo(20);
    assertThat(j.get("prefix_cache_hit_tokens").asInt()).isPositive();
    assertThat(j.get("identical_outputs").asBoolean()).isTrue();
    assertThat(j.get("comparisons").get("layout").get("kv_waste_fraction").asDouble())
        .isGreaterThan(j.get("kv_waste_fraction").asDouble());
  }

  @Test
  void nSamplesShareThePromptBesideNSeparateRequests() throws Exception {
    assertThat(
            PagedStream.commandLine()
                .execute("make-model", "--preset", "tiny", "--seed", "3", "--out", dir.toString()))
        .isZero();
    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit =
          PagedStream.commandLine()
              .execute(
                  "bench",
                  "--model",
                  dir.toString(),
                  "--requests",
                  "2",
                  "--prompt-len",
                  "40",
                  "--max-tokens",
                  "16",
                  "--n",
                  "8",
                  "--temperature",
                  "0.8",
                  "--kv-blocks",
                  "200",
                  "--json");
    } finally {
      System.setOut(saved);
    }
    assertThat(exit).isZero();
    String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
    JsonNode j = new ObjectMapper().readTree(lines[lines.length - 1]);
    assertThat(j.get("n").asInt()).isEqualTo(8);
    assertThat(j.get("output_tokens").asInt()).isEqualTo(2 * 8 * 16);
    // each prompt computed once, then each sample's fed-back tokens
    assertThat(j.get("computed_tokens").asInt()).isEqualTo(2 * (40 + 8 * 15));
    JsonNode off = j.get("comparisons").get("separate_prefix_off");
    assertThat(off.get("computed_tokens").asInt()).isEqualTo(2 * 8 * (40 + 15));
    // 2 shared prompt blocks + 8 x 2 own blocks a request, against 8 x 4
    assertThat(j.get("peak_kv_blocks_used").asInt()).isEqualTo(2 * (2 + 8 * 2));
    assertThat(off.get("peak_kv_blocks_used").asInt()).isEqualTo(2 * 8 * 4);
    assertThat(j.get("comparisons").has("separate_prefix_on")).isTrue();
    assertThat(j.get("identical_outputs").asBoolean()).isTrue();
  }
}
