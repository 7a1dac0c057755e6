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

/** {@code generate} end to end: golden ids and texts, bad input, preemption under a tiny pool. */
class GenerateCommandTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private record Run(int exit, List<JsonNode> results, JsonNode stats, String err) {}

  private Run generate(String model, byte[] input, String... extra) throws Exception {
    Path in = dir.resolve("in.jsonl");
    Path out = dir.resolve("out.jsonl");
    Path stats = dir.resolve("stats.json");
    Files.write(in, input);
    List<String> args =
        new ArrayList<>(
            List.of(
                "generate",
                "--model",
                SharedData.model(model).toString(),
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "--stats",
                stats.toString(),
                "--quiet"));
    args.addAll(List.of(extra));
    CommandLine cl = PagedStream.commandLine();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args.toArray(String[]::new));
    List<JsonNode> results = new ArrayList<>();
    if (Files.exists(out)) {
      for (String line : Files.readAllLines(out)) {
        results.add(JSON.readTree(line));
      }
    }
    return new Run(
        exit,
        results,
        Files.exists(stats) ? JSON.readTree(stats.toFile()) : null,
        err.toString(StandardCharsets.UTF_8));
  }

  private static String goldenLines(String file, boolean asText) {
    StringBuilder sb = new StringBuilder();
    for (JsonNode c : SharedData.golden(file).get("cases")) {
      var o = JSON.createObjectNode();
      o.put("id", c.get("name").asText());
      if (asText) {
        o.put("prompt", c.get("prompt").asText());
      } else {
        o.set("prompt_token_ids", c.get("prompt_token_ids"));
      }
      o.put("max_tokens", c.get("max_tokens").asInt());
      o.put("temperature", 0);
      o.put("ignore_eos", true);
      sb.append(o).append('\n');
    }
    return sb.toString();
  }

  private static void assertGolden(String file, List<JsonNode> results, boolean withText) {
    JsonNode cases = SharedData.golden(file).get("cases");
    assertThat(results).hasSize(cases.size());
    for (int i = 0; i < cases.size(); i++) {
      JsonNode c = cases.get(i);
      JsonNode r = results.get(i);
      assertThat(r.get("id").asText()).isEqualTo(c.get("name").asText());
      assertThat(r.get("token_ids"))
          .as(c.get("name").asText())
          .isEqualTo(c.get("expected_token_ids"));
      assertThat(r.get("finish_reason").asText()).isEqualTo("length");
      if (withText) {
        assertThat(r.get("text").asText()).isEqualTo(c.get("expected_text").asText());
      }
    }
  }

  @Test
  void goldenCasesByIdsAndByText() throws Exception {
    Run ids =
        generate(
            "stories260K",
            goldenLines("stories260K-greedy.json", false).getBytes(StandardCharsets.UTF_8));
    assertThat(ids.exit()).isZero();
    assertGolden("stories260K-greedy.json", ids.results(), false);
    assertThat(ids.results()).allMatch(r -> !r.has("text"));
    Run text =
        generate(
            "tiny-stories-synth",
            goldenLines("tiny-stories-synth-greedy.json", true).getBytes(StandardCharsets.UTF_8));
    assertThat(text.exit()).isZero();
    assertGolden("tiny-stories-synth-greedy.json", text.results(), true);
    assertThat(text.stats().get("requests").asInt()).isEqualTo(4);
    int expectedTokens = 0;
    for (JsonNode c : SharedData.golden("tiny-stories-synth-greedy.json").get("cases")) {
      expectedTokens += c.get("max_tokens").asInt();
    }
    assertThat(text.stats().get("output_tokens").asInt()).isEqualTo(expectedTokens);
  }

  @Test
  void aTinyPoolPreemptsButKeepsTheGoldenIds() throws Exception {
    for (String[] g :
        new String[][] {
          {"stories260K", "stories260K-greedy.json"},
          {"tiny-stories-synth", "tiny-stories-synth-greedy.json"}
        }) {
      String lines = goldenLines(g[1], false);
      // the four cases alone peak at 20 blocks: 26 holds them without preempting
      Run alone =
          generate(
              g[0],
              lines.getBytes(StandardCharsets.UTF_8),
              "--kv-blocks",
              "26",
              "--block-size",
              "16");
      assertGolden(g[1], alone.results(), false);
      // four copies of each need about 80 blocks: 26 forces preemption and recomputation
      StringBuilder copies = new StringBuilder();
      for (int copy = 0; copy < 4; copy++) {
        copies.append(lines.replace("{\"id\":\"", "{\"id\":\"copy" + copy + "-"));
      }
      Run crowded =
          generate(
              g[0],
              copies.toString().getBytes(StandardCharsets.UTF_8),
              "--kv-blocks",
              "26",
              "--block-size",
              "16");
      assertThat(crowded.exit()).isZero();
      JsonNode cases = SharedData.golden(g[1]).get("cases");
      assertThat(crowded.results()).hasSize(4 * cases.size());
      for (int i = 0; i < crowded.results().size(); i++) {
        assertThat(crowded.results().get(i).get("token_ids"))
            .as(crowded.results().get(i).get("id").asText())
            .isEqualTo(cases.get(i % cases.size()).get("expected_token_ids"));
      }
      assertThat(crowded.stats().get("preemptions").asInt()).as(g[0]).isPositive();
      assertThat(crowded.stats().get("recomputed_tokens").asInt()).isPositive();
      assertThat(crowded.stats().get("peak_kv_blocks_used").asInt()).isLessThanOrEqualTo(26);
      // and the four cases alone in a pool barely larger than the longest one
      Run tight =
          generate(
              g[0],
              lines.getBytes(StandardCharsets.UTF_8),
              "--kv-blocks",
              "8",
              "--block-size",
              "16");
      assertGolden(g[1], tight.results(), false);
      assertThat(tight.stats().get("preemptions").asInt()).isPositive();
    }
  }

  @Test
  void everyBadLineGetsOneErrorAndTheRestGoOn() throws Exception {
    String good =
        "{\"id\":\"good\",\"prompt\":\"Once upon a time\",\"max_tokens\":8,\"temperature\":0}\n";
    byte[] nonUtf8 = {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}', '\n'};
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.write(good.getBytes(StandardCharsets.UTF_8));
    String[] bad = {
      "this is not json",
      "{\"id\":\"no-prompt\",\"max_tokens\":4}",
      "{\"id\":\"empty-prompt\",\"prompt\":\"\"}",
      "{\"id\":\"empty-ids\",\"prompt_token_ids\":[]}",
      "{\"id\":\"zero-max\",\"prompt\":\"Hi\",\"max_tokens\":0}",
      "{\"id\":\"negative-max\",\"prompt\":\"Hi\",\"max_tokens\":-3}",
      "{\"id\":\"too-long\",\"prompt\":\"Hi\",\"max_tokens\":600}",
      "{\"id\":\"vocab\",\"prompt_token_ids\":[1, 5000]}",
      "{\"id\":\"bad-type\",\"prompt\":42}",
      "{\"id\":\"bad-temp\",\"prompt\":\"Hi\",\"temperature\":-1}",
      "[1,2,3]",
    };
    for (String b : bad) {
      in.write((b + "\n").getBytes(StandardCharsets.UTF_8));
    }
    in.write(nonUtf8);
    in.write(good.replace("good", "good-2").getBytes(StandardCharsets.UTF_8));
    Run run = generate("tiny-stories-synth", in.toByteArray());
    assertThat(run.exit()).isZero();
    assertThat(run.results()).hasSize(bad.length + 3);
    assertThat(run.results().get(0).get("finish_reason").asText()).isEqualTo("length");
    assertThat(run.results().get(0).get("token_ids")).hasSize(8);
    JsonNode last = run.results().get(run.results().size() - 1);
    assertThat(last.get("id").asText()).isEqualTo("good-2");
    assertThat(last.get("token_ids")).isEqualTo(run.results().get(0).get("token_ids"));
    for (int i = 1; i <= bad.length + 1; i++) {
      JsonNode r = run.results().get(i);
      assertThat(r.get("finish_reason").asText()).as(r.toString()).isEqualTo("error");
      assertThat(r.get("error").asText()).as(r.toString()).isNotBlank().doesNotContain("\n");
      assertThat(r.get("token_ids")).isEmpty();
    }
    assertThat(run.results().get(1).get("id").asText()).isEqualTo("line-2");
    assertThat(run.results().get(1).get("error").asText()).contains("not valid JSON");
    assertThat(run.results().get(2).get("error").asText()).contains("no prompt");
    assertThat(run.results().get(3).get("error").asText()).contains("prompt is empty");
    assertThat(run.results().get(5).get("error").asText()).contains("max_tokens must be >= 1");
    assertThat(run.results().get(7).get("error").asText())
        .contains("exceeds the model's 512 positions");
    assertThat(run.results().get(8).get("error").asText()).contains("outside the vocabulary");
    assertThat(run.results().get(bad.length + 1).get("error").asText()).contains("not valid UTF-8");
  }

  @Test
  void aDuplicateIdIsTheSameErrorAsOnTheKafkaPath() throws Exception {
    String input =
        "{\"id\":\"a\",\"prompt\":\"Once upon a time\",\"max_tokens\":4,\"temperature\":0}\n"
            + "{\"id\":\"a\",\"prompt\":\"The dog\",\"max_tokens\":4,\"temperature\":0}\n"
            + "{\"id\":\"b\",\"prompt\":\"The dog\",\"max_tokens\":4,\"temperature\":0}\n";
    Run generated = generate("tiny-stories-synth", input.getBytes(StandardCharsets.UTF_8));
    assertThat(generated.exit()).isZero();
    assertThat(generated.results()).hasSize(3);
    JsonNode dup = generated.results().get(1);
    assertThat(dup.get("id").asText()).isEqualTo("line-2");
    assertThat(dup.get("finish_reason").asText()).isEqualTo("error");
    assertThat(dup.get("error").asText()).isEqualTo("duplicate id \"a\" (already used on line 1)");
    assertThat(generated.results().get(0).get("token_ids")).hasSize(4);
    assertThat(generated.stats().get("errors").asInt()).isEqualTo(1);

    // the same input through the whole pipeline answers every line alike
    Path output = dir.resolve("run-out.jsonl");
    CommandLine cl = PagedStream.commandLine();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    cl.setErr(new PrintWriter(err, true));
    int exit =
        cl.execute(
            "run",
            "--model",
            SharedData.model("tiny-stories-synth").toString(),
            "--input",
            dir.resolve("in.jsonl").toString(),
            "--output",
            output.toString(),
            "--ephemeral",
            "--quiet");
    assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
    List<JsonNode> ran = new ArrayList<>();
    for (String line : Files.readAllLines(output)) {
      ran.add(JSON.readTree(line));
    }
    assertThat(ran).hasSize(3);
    for (int i = 0; i < 3; i++) {
      for (String field : List.of("id", "finish_reason", "error", "token_ids", "text")) {
        assertThat(String.valueOf(ran.get(i).get(field)))
            .as("line %d %s", i + 1, field)
            .isEqualTo(String.valueOf(generated.results().get(i).get(field)));
      }
    }
  }

  @Test
  void textShowsAnEosTheModelRanPastButNotTheOneItStoppedAt() throws Exception {
    // greedy from this opening, the story ends (EOS, id 1023) within 300 tokens and starts anew
    String lines =
        "{\"id\":\"past\",\"prompt\":\"Once upon a time\",\"max_tokens\":300,\"temperature\":0,\"ignore_eos\":true}\n"
            + "{\"id\":\"stop\",\"prompt\":\"Once upon a time\",\"max_tokens\":300,\"temperature\":0}\n"
            + "{\"id\":\"long\",\"prompt\":\"Once upon a time\",\"max_tokens\":510}\n";
    Run run = generate("tiny-stories-synth", lines.getBytes(StandardCharsets.UTF_8));
    JsonNode past = run.results().get(0);
    JsonNode stop = run.results().get(1);
    int eosAt = -1;
    for (int i = 0; i < past.get("token_ids").size() && eosAt < 0; i++) {
      eosAt = past.get("token_ids").get(i).asInt() == 1023 ? i : -1;
    }
    assertThat(eosAt).as("the story ends within 300 tokens").isGreaterThan(0);
    assertThat(past.get("finish_reason").asText()).isEqualTo("length");
    assertThat(past.get("text").asText()).contains("<|endoftext|>");
    assertThat(stop.get("finish_reason").asText()).isEqualTo("stop");
    assertThat(stop.get("token_ids")).hasSize(eosAt + 1);
    assertThat(stop.get("token_ids").get(eosAt).asInt()).isEqualTo(1023);
    assertThat(stop.get("text").asText())
        .doesNotContain("<|endoftext|>")
        .isEqualTo(
            past.get("text")
                .asText()
                .substring(0, past.get("text").asText().indexOf("<|endoftext|>")));
    // a prompt too long with its max_tokens still reports the tokens it was counted at
    assertThat(run.results().get(2).get("error").asText())
        .contains("exceeds the model's 512 positions");
    assertThat(run.results().get(2).get("prompt_tokens").asInt()).isEqualTo(5);
  }

  @Test
  void aTextPromptForAModelWithoutTokenizerIsAnError() throws Exception {
    Run run =
        generate(
            "stories260K",
            "{\"id\":\"t\",\"prompt\":\"hello\"}\n{\"id\":\"ok\",\"prompt_token_ids\":[1,2],\"max_tokens\":3}\n"
                .getBytes(StandardCharsets.UTF_8));
    assertThat(run.results()).hasSize(2);
    assertThat(run.results().get(0).get("error").asText()).contains("no tokenizer.json");
    assertThat(run.results().get(1).get("token_ids")).hasSize(3);
  }

  @Test
  void aMissingModelIsAOneLineErrorAndExitCode() throws Exception {
    CommandLine cl = PagedStream.commandLine();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    cl.setErr(new PrintWriter(err, true));
    int exit =
        cl.execute(
            "generate", "--model", dir.resolve("nope").toString(), "--input", "-", "--output", "-");
    assertThat(exit).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8).trim())
        .startsWith("error: ")
        .doesNotContain("\n");
  }

  @Test
  void openAiBatchLinesGetOpenAiOutputLinesAndAnErrorsFile() throws Exception {
    Path errors = dir.resolve("errors.jsonl");
    Run run =
        generate(
            OpenAiBatchFile.MODEL,
            OpenAiBatchFile.lines().getBytes(StandardCharsets.UTF_8),
            "--errors",
            errors.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    OpenAiBatchFile.check(run.results(), false);
    List<String> failed = Files.readAllLines(errors);
    assertThat(failed).hasSize(6);
    assertThat(failed).allMatch(l -> l.contains("\"status_code\":400"));
  }

  @Test
  void stopStringsAcrossTokensSamplesAndLogprobsEndToEnd() throws Exception {
    Path model = SharedData.model("tiny-stories-synth");
    // greedy "Once upon a time" goes on ", there was": "e wa" starts in " there" and ends in " was"
    try (var tokenizer =
        io.pagedstream.tokenizer.HuggingFaceTextTokenizer.forModel(model).orElseThrow()) {
      assertThat(tokenizer.decode(new int[] {11, 374})).endsWith("e");
      assertThat(tokenizer.decode(new int[] {274})).startsWith(" wa");
    }
    String lines =
        "{\"id\":\"stop\",\"prompt\":\"Once upon a time\",\"max_tokens\":12,\"temperature\":0,"
            + "\"ignore_eos\":true,\"stop\":[\"e wa\"]}\n"
            + "{\"id\":\"lp\",\"prompt\":\"Once upon a time\",\"max_tokens\":3,\"temperature\":0,"
            + "\"ignore_eos\":true,\"logprobs\":true,\"top_logprobs\":2}\n"
            + "{\"custom_id\":\"n2\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"model\":"
            + "\"tiny-stories-synth\",\"prompt\":\"Once upon a time\",\"max_tokens\":4,\"seed\":7,\"n\":2,"
            + "\"logprobs\":2,\"ignore_eos\":true}}\n";
    Run run = generate("tiny-stories-synth", lines.getBytes(StandardCharsets.UTF_8));
    assertThat(run.exit()).as(run.err()).isZero();

    JsonNode stop = run.results().get(0);
    assertThat(stop.get("text").asText()).isEqualTo(", ther");
    assertThat(stop.get("finish_reason").asText()).isEqualTo("stop");
    assertThat(stop.get("token_ids").toString()).isEqualTo("[11,374,274]");

    JsonNode lp = run.results().get(1);
    assertThat(lp.get("token_ids").toString()).isEqualTo("[11,374,274]");
    JsonNode first = lp.at("/choices/0/logprobs/0");
    assertThat(first.get("token_id").asInt()).isEqualTo(11);
    assertThat(first.get("token").asText()).isEqualTo(",");
    assertThat(first.get("logprob").asDouble()).isNegative();
    // greedy takes the most likely token: the first alternative, with the same logprob
    assertThat(first.at("/top_logprobs/0/token_id").asInt()).isEqualTo(11);
    assertThat(first.at("/top_logprobs/0/logprob").asDouble())
        .isEqualTo(first.get("logprob").asDouble());
    assertThat(first.get("top_logprobs")).hasSize(2);

    JsonNode body = run.results().get(2).at("/response/body");
    assertThat(body.get("choices")).hasSize(2);
    assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(8);
    for (JsonNode c : body.get("choices")) {
      assertThat(c.at("/logprobs/tokens")).hasSize(4);
      assertThat(c.at("/logprobs/token_logprobs")).hasSize(4);
      assertThat(c.at("/logprobs/top_logprobs/0").size()).isBetween(1, 2);
      assertThat(String.join("", JSON.convertValue(c.at("/logprobs/tokens"), String[].class)))
          .isEqualTo(c.get("text").asText());
    }
  }

  @Test
  void aGreedyChatRequestGivesTheIdsOfItsRenderingAsANativePromptWithOneBos() throws Exception {
    Path model = OpenAiBatchFile.modelWithChatTemplate(dir);
    JsonNode golden = SharedData.golden("tiny-stories-synth-greedy.json").get("cases").get(0);
    String messages = "[{\"role\":\"user\",\"content\":\"Once upon a time\"}]";
    int max = golden.get("max_tokens").asInt();
    String lines =
        "{\"custom_id\":\"chat\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{"
            + "\"model\":\"tiny-stories-synth\",\"messages\":"
            + messages
            + ",\"max_tokens\":"
            + max
            + ",\"temperature\":0,\"ignore_eos\":true}}\n"
            + "{\"id\":\"native-chat\",\"messages\":"
            + messages
            + ",\"max_tokens\":"
            + max
            + ",\"temperature\":0,\"ignore_eos\":true}\n"
            + "{\"id\":\"rendering\",\"prompt_token_ids\":"
            + golden.get("prompt_token_ids")
            + ",\"max_tokens\":"
            + max
            + ",\"temperature\":0,\"ignore_eos\":true}\n";
    Path in = dir.resolve("chat.jsonl");
    Path out = dir.resolve("chat-out.jsonl");
    Files.writeString(in, lines);
    int exit =
        PagedStream.commandLine()
            .execute(
                "generate",
                "--model",
                model.toString(),
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "--quiet");
    assertThat(exit).isZero();
    List<JsonNode> results = new ArrayList<>();
    for (String line : Files.readAllLines(out)) {
      results.add(JSON.readTree(line));
    }

    // the rendering "<|endoftext|>Once upon a time", tokenized without added special tokens, is
    // the plain prompt's ids: one BOS (1023), not two
    try (var tokenizer =
        io.pagedstream.tokenizer.HuggingFaceTextTokenizer.forModel(model).orElseThrow()) {
      String rendering =
          io.pagedstream.tokenizer.ChatTemplate.load(model)
              .orElseThrow()
              .render(
                  List.of(
                      io.pagedstream.core.text.ChatMessage.of(
                          io.pagedstream.core.text.ChatMessage.Role.USER, "Once upon a time")));
      JsonNode ids = JSON.valueToTree(tokenizer.encode(rendering, false));
      assertThat(ids).isEqualTo(golden.get("prompt_token_ids"));
    }
    JsonNode chat = results.get(0).at("/response/body");
    assertThat(chat.at("/usage/prompt_tokens").asInt())
        .isEqualTo(golden.get("prompt_token_ids").size());
    assertThat(chat.at("/choices/0/message/content").asText())
        .isEqualTo(golden.get("expected_text").asText());
    assertThat(results.get(1).get("token_ids")).isEqualTo(golden.get("expected_token_ids"));
    assertThat(results.get(1).get("prompt_tokens").asInt())
        .isEqualTo(golden.get("prompt_token_ids").size());
    assertThat(results.get(2).get("token_ids")).isEqualTo(results.get(1).get("token_ids"));
  }
}
