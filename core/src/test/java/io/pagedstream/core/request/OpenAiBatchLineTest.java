package io.pagedstream.core.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pagedstream.core.text.ChatMessage;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OpenAiBatchLineTest {

  private static final String CHAT =
      "{\"custom_id\":\"c1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
          + "\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
          + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hi \"},{\"type\":\"text\",\"text\":\"there\"}]}],"
          + "\"max_completion_tokens\":7,\"temperature\":0,\"stop\":[\"\\n\",\"END\"],\"n\":2,\"logprobs\":true,"
          + "\"top_logprobs\":3,\"seed\":5,\"top_k\":-1,\"stop_token_ids\":[2],\"user\":\"u\",\"stream\":false}}";

  @Test
  void readsAChatLine() {
    PromptRequest r = ok(CHAT);
    assertThat(r.id()).isEqualTo("c1");
    assertThat(r.messages())
        .containsExactly(
            ChatMessage.of(ChatMessage.Role.SYSTEM, "Be brief."),
            ChatMessage.ofTextParts(ChatMessage.Role.USER, List.of("Hi ", "there")));
    assertThat(r.format()).isEqualTo(new ResponseFormat(ResponseFormat.Kind.CHAT, "c1", "m"));
    SamplingParams p = r.params();
    assertThat(p.maxTokens()).isEqualTo(7);
    assertThat(p.isGreedy()).isTrue();
    assertThat(p.stop()).containsExactly("\n", "END");
    assertThat(p.n()).isEqualTo(2);
    assertThat(p.logprobs()).isEqualTo(3);
    assertThat(p.seed()).isEqualTo(5L);
    assertThat(p.topK()).isZero();
    assertThat(p.stopTokenIds()).containsExactly(2);
  }

  @Test
  void readsCompletionLines() {
    PromptRequest text =
        ok(completion("\"prompt\":\"Once\",\"max_tokens\":4,\"logprobs\":2,\"stop\":\"x\""));
    assertThat(text.prompt()).isEqualTo("Once");
    assertThat(text.format().kind()).isEqualTo(ResponseFormat.Kind.COMPLETION);
    assertThat(text.params().logprobs()).isEqualTo(2);
    assertThat(text.params().stop()).containsExactly("x");
    PromptRequest ids = ok(completion("\"prompt\":[1,5,9]"));
    assertThat(ids.promptTokenIds()).containsExactly(1, 5, 9);
    assertThat(ids.params().maxTokens()).isEqualTo(SamplingParams.DEFAULT_MAX_TOKENS);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "missing custom_id|{\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"model\":\"m\",\"prompt\":\"a\"}}|custom_id is missing",
        "unsupported url|{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":{}}|url \"/v1/embeddings\" is not supported",
        "GET|{\"custom_id\":\"a\",\"method\":\"GET\",\"url\":\"/v1/completions\",\"body\":{}}|method must be \"POST\"",
        "body not an object|{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":\"x\"}|body must be a JSON object",
        "empty messages|{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"messages\":[]}}|messages is empty",
        "unknown role|{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}}|messages[0].role must be system, user or assistant",
        "image part|{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}}|is not a text part",
        "n 0|{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"model\":\"m\",\"prompt\":\"a\",\"n\":0}}|n must be in 1..16",
        "n 17|{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"model\":\"m\",\"prompt\":\"a\",\"n\":17}}|n must be in 1..16",
        "top_logprobs 21|{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"logprobs\":true,\"top_logprobs\":21}}|top_logprobs must be in 0..20",
        "5 stops|{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"model\":\"m\",\"prompt\":\"a\",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}}|stop takes at most 4 strings",
        "tools|{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[]}}|body.tools is not supported",
        "stream|{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"model\":\"m\",\"prompt\":\"a\",\"stream\":true}}|body.stream = true is not supported (only false)",
        "response_format|{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":{\"type\":\"json_object\"}}}|body.response_format",
        "logit_bias|{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"model\":\"m\",\"prompt\":\"a\",\"logit_bias\":{\"5\":10}}}|body.logit_bias",
        "no model|{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"prompt\":\"a\"}}|body.model must name the served model",
        "prompt list|{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"model\":\"m\",\"prompt\":[\"a\",\"b\"]}}|one prompt per line",
        "chat logprobs number|{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"logprobs\":3}}|logprobs must be true or false",
      })
  void badLinesFailWithAReasonAndKeepTheirFormat(String name, String line, String reason) {
    ParsedLine parsed = RequestParser.parse(line, 4);
    assertThat(parsed).isInstanceOf(ParsedLine.Failed.class);
    assertThat(((ParsedLine.Failed) parsed).error()).contains(reason);
    assertThat(parsed.format().isOpenAi()).isTrue();
    assertThat(parsed.id()).isEqualTo(line.contains("custom_id") ? "a" : "line-4");
  }

  @Test
  void theServedModelIsChecked() {
    ServedModel served = new ServedModel("tiny");
    PromptRequest r = ok(completion("\"prompt\":\"a\""));
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> served.check(r));
    assertThat(e.getMessage()).contains("model \"m\" is not served here").contains("\"tiny\"");
    new ServedModel("m").check(r);
  }

  @Test
  void nativeLinesGainTheSameOptions() {
    PromptRequest r =
        ok(
            "{\"id\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":\"!\","
                + "\"stop_token_ids\":[3],\"logprobs\":true,\"top_logprobs\":2,\"n\":3}");
    assertThat(r.isChat()).isTrue();
    assertThat(r.format()).isEqualTo(ResponseFormat.NATIVE);
    assertThat(r.params().stop()).containsExactly("!");
    assertThat(r.params().logprobs()).isEqualTo(2);
    assertThat(r.params().n()).isEqualTo(3);
    assertThat(ok("{\"id\":\"y\",\"prompt\":\"a\",\"logprobs\":4}").params().logprobs())
        .isEqualTo(4);
    assertThat(RequestParser.parse("{\"id\":\"z\",\"prompt\":\"a\",\"top_logprobs\":4}", 1))
        .isInstanceOf(ParsedLine.Failed.class);
  }

  @Test
  void openAiOutputLines() {
    var format = new ResponseFormat(ResponseFormat.Kind.CHAT, "c1", "tiny");
    var lp =
        new TokenLogprob(
            7,
            "Hi",
            -0.25,
            List.of(
                new TokenLogprob.Alternative(7, "Hi", -0.25),
                new TokenLogprob.Alternative(8, "Yo", Double.NEGATIVE_INFINITY)));
    GenerationResult ok =
        GenerationResult.of(
            "c1",
            List.of(
                new Choice(0, new int[] {7, 2}, "Hi", FinishReason.STOP, List.of(lp, lp)),
                new Choice(1, new int[] {8}, "Yo", FinishReason.LENGTH, List.of(lp))),
            5,
            format,
            1_700_000_000_000L);
    var line = ok.toJson();
    assertThat(line.get("custom_id").asText()).isEqualTo("c1");
    assertThat(line.get("id").asText()).startsWith("batch_req_");
    assertThat(line.get("error").isNull()).isTrue();
    var response = line.get("response");
    assertThat(response.get("status_code").asInt()).isEqualTo(200);
    var body = response.get("body");
    assertThat(body.get("object").asText()).isEqualTo("chat.completion");
    assertThat(body.get("created").asLong()).isEqualTo(1_700_000_000L);
    assertThat(body.get("model").asText()).isEqualTo("tiny");
    assertThat(body.at("/choices/1/message/content").asText()).isEqualTo("Yo");
    assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(body.at("/choices/0/logprobs/content/0/top_logprobs/1/logprob").asDouble())
        .isEqualTo(-9999.0);
    assertThat(body.at("/choices/0/logprobs/content/0/bytes").toString()).isEqualTo("[72,105]");
    assertThat(body.get("usage").toString())
        .isEqualTo("{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}");

    var completion =
        GenerationResult.of(
                "d",
                List.of(new Choice(0, new int[] {7}, "Hi", FinishReason.LENGTH, List.of(lp))),
                2,
                new ResponseFormat(ResponseFormat.Kind.COMPLETION, "d", "tiny"),
                0)
            .toJson()
            .at("/response/body");
    assertThat(completion.get("object").asText()).isEqualTo("text_completion");
    assertThat(completion.at("/choices/0/text").asText()).isEqualTo("Hi");
    assertThat(completion.at("/choices/0/logprobs").toString())
        .isEqualTo(
            "{\"tokens\":[\"Hi\"],\"token_logprobs\":[-0.25],\"top_logprobs\":[{\"Hi\":-0.25,\"Yo\":-9999.0}],\"text_offset\":[0]}");

    var error =
        GenerationResult.error(
                "e",
                "body.tools is not supported",
                0,
                new ResponseFormat(ResponseFormat.Kind.CHAT, "e", null))
            .toJson();
    assertThat(error.at("/response/status_code").asInt()).isEqualTo(400);
    assertThat(error.at("/response/body/error/message").asText())
        .isEqualTo("body.tools is not supported");
    assertThat(error.at("/response/body/error/type").asText()).isEqualTo("invalid_request_error");
  }

  @Test
  void nativeChoicesRoundTrip() {
    var lp = new TokenLogprob(7, "Hi", -0.25, List.of(new TokenLogprob.Alternative(8, "Yo", -1.5)));
    List<Choice> choices =
        List.of(
            new Choice(0, new int[] {7}, "Hi", FinishReason.LENGTH, List.of(lp)),
            new Choice(1, new int[] {9, 2}, "ok", FinishReason.STOP, null));
    List<Choice> back = ChoicesJson.fromText(ChoicesJson.toText(choices));
    assertThat(ChoicesJson.toText(back)).isEqualTo(ChoicesJson.toText(choices));
    var nativeLine = GenerationResult.of("x", choices, 3, ResponseFormat.NATIVE, 0).toJson();
    assertThat(nativeLine.get("output_tokens").asInt()).isEqualTo(3);
    assertThat(nativeLine.get("text").asText()).isEqualTo("Hi");
    assertThat(nativeLine.at("/choices/1/finish_reason").asText()).isEqualTo("stop");
    assertThat(
            GenerationResult.of(
                    "y",
                    List.of(new Choice(0, new int[] {1}, "a", FinishReason.LENGTH, null)),
                    1,
                    ResponseFormat.NATIVE,
                    0)
                .toJson()
                .has("choices"))
        .isFalse();
  }

  private static String completion(String fields) {
    return "{\"custom_id\":\"d\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"model\":\"m\","
        + fields
        + "}}";
  }

  private static PromptRequest ok(String line) {
    ParsedLine parsed = RequestParser.parse(line, 1);
    assertThat(parsed).isInstanceOf(ParsedLine.Ok.class);
    return ((ParsedLine.Ok) parsed).request();
  }
}
