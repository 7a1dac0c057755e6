package io.pagedstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pagedstream.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code run}: the whole pipeline on an embedded broker, golden cases plus bad lines. */
class RunCommandTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void everyLineGetsExactlyOneResultAndTheGoldenIds() throws Exception {
    JsonNode golden = SharedData.golden("tiny-stories-synth-greedy.json");
    StringBuilder in = new StringBuilder();
    for (JsonNode c : golden.get("cases")) {
      var o = JSON.createObjectNode();
      o.put("id", c.get("name").asText());
      o.put("prompt", c.get("prompt").asText());
      o.put("max_tokens", c.get("max_tokens").asInt());
      o.put("temperature", 0);
      o.put("ignore_eos", true);
      in.append(o).append('\n');
    }
    in.append("{broken json\n");
    in.append("{\"id\":\"negative\",\"prompt\":\"Hi\",\"max_tokens\":-1}\n");
    in.append("{\"id\":\"too-long\",\"prompt\":\"")
        .append("Once upon a time ".repeat(200))
        .append("\",\"max_tokens\":8}\n");
    in.append("{\"id\":\"no-prompt\",\"max_tokens\":3}\n");
    in.append("{\"id\":\"vocab\",\"prompt_token_ids\":[1,4096],\"max_tokens\":3}\n");
    Path input = dir.resolve("in.jsonl");
    Path output = dir.resolve("out.jsonl");
    Path stats = dir.resolve("stats.json");
    Files.writeString(input, in);

    CommandLine cl = PagedStream.commandLine();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    cl.setErr(new PrintWriter(err, true));
    int exit =
        cl.execute(
            "run",
            "--model",
            SharedData.model("tiny-stories-synth").toString(),
            "--input",
            input.toString(),
            "--output",
            output.toString(),
            "--processors",
            "2",
            "--quiet",
            "--stats",
            stats.toString(),
            "--threads",
            "1");
    assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();

    List<JsonNode> results = new ArrayList<>();
    for (String line : Files.readAllLines(output)) {
      results.add(JSON.readTree(line));
    }
    assertThat(results).hasSize(golden.get("cases").size() + 5);
    for (int i = 0; i < golden.get("cases").size(); i++) {
      JsonNode c = golden.get("cases").get(i);
      assertThat(results.get(i).get("id").asText()).isEqualTo(c.get("name").asText());
      assertThat(results.get(i).get("token_ids")).isEqualTo(c.get("expected_token_ids"));
      assertThat(results.get(i).get("text").asText()).isEqualTo(c.get("expected_text").asText());
    }
    List<JsonNode> bad = results.subList(golden.get("cases").size(), results.size());
    assertThat(bad)
        .allMatch(
            r ->
                r.get("finish_reason").asText().equals("error")
                    && !r.get("error").asText().isBlank());
    assertThat(bad.get(0).get("id").asText()).isEqualTo("line-5");
    assertThat(bad.get(1).get("error").asText()).contains("max_tokens");
    assertThat(bad.get(2).get("error").asText()).contains("positions");
    assertThat(bad.get(3).get("error").asText()).contains("no prompt");
    assertThat(bad.get(4).get("error").asText()).contains("outside the vocabulary");

    // --stats: generate's figures for the pipeline, engine counts summed over the processors
    JsonNode st = JSON.readTree(stats.toFile());
    long tokens = 0;
    for (JsonNode r : results) {
      tokens += r.get("output_tokens").asLong();
    }
    assertThat(st.get("requests").asInt()).isEqualTo(results.size());
    assertThat(st.get("errors").asInt()).isEqualTo(5);
    assertThat(st.get("output_tokens").asLong()).isEqualTo(tokens);
    assertThat(st.get("output_tokens_per_second").asDouble()).isPositive();
    assertThat(st.get("wall_seconds").asDouble()).isGreaterThan(st.get("elapsed_s").asDouble());
    assertThat(st.get("per_processor")).hasSize(2);
    long perProcessor = 0;
    double stepSeconds = 0;
    for (JsonNode p : st.get("per_processor")) {
      perProcessor += p.get("output_tokens").asLong();
      assertThat(p.get("threads").asInt()).isEqualTo(1);
      // a handful of batches may all land on one processor's partitions
      stepSeconds += p.get("loop_s").get("step").asDouble();
    }
    assertThat(stepSeconds).isPositive();
    // at least: a batch redone after a rebalance counts its tokens twice
    assertThat(perProcessor).isGreaterThanOrEqualTo(tokens);
    assertThat(st.get("time_split_s").get("start_up").asDouble()).isPositive();
  }

  @Test
  void anOpenAiBatchFileGetsTheSameLinesAsThroughGenerate() throws Exception {
    Path input = dir.resolve("batch.jsonl");
    Files.writeString(input, OpenAiBatchFile.lines());
    // with a chat template, so the chat line is answered on both paths
    String model = OpenAiBatchFile.modelWithChatTemplate(dir).toString();
    CommandLine cl = PagedStream.commandLine();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    cl.setErr(new PrintWriter(err, true));
    Path viaKafka = dir.resolve("run.jsonl");
    Path errors = dir.resolve("errors.jsonl");
    int exit =
        cl.execute(
            "run",
            "--model",
            model,
            "--input",
            input.toString(),
            "--output",
            viaKafka.toString(),
            "--errors",
            errors.toString(),
            "--ephemeral",
            "--quiet",
            "--threads",
            "1");
    assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
    Path direct = dir.resolve("generate.jsonl");
    assertThat(
            cl.execute(
                "generate",
                "--model",
                model,
                "--input",
                input.toString(),
                "--output",
                direct.toString(),
                "--quiet"))
        .isZero();

    List<JsonNode> run = read(viaKafka);
    OpenAiBatchFile.check(run, true);
    List<JsonNode> generate = read(direct);
    for (int i = 0; i < run.size(); i++) {
      assertThat(OpenAiBatchFile.content(run.get(i)))
          .as("line " + (i + 1))
          .isEqualTo(OpenAiBatchFile.content(generate.get(i)));
    }
    assertThat(Files.readAllLines(errors)).hasSize(5);
  }

  private static List<JsonNode> read(Path file) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      out.add(JSON.readTree(line));
    }
    return out;
  }
}
