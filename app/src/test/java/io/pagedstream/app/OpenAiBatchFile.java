package io.pagedstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pagedstream.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An OpenAI batch file of chat and completion lines, good and bad mixed, with a native line beside
 * them, and what every path (generate, run) must answer for it: one line per input line, in order,
 * matched by custom_id.
 */
final class OpenAiBatchFile {

  static final String MODEL = "tiny-stories-synth";

  private OpenAiBatchFile() {}

  private static String completion(String customId, String body) {
    return "{\"custom_id\":\""
        + customId
        + "\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":"
        + body
        + "}";
  }

  private static String chat(String customId, String body) {
    return "{\"custom_id\":\""
        + customId
        + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
        + body
        + "}";
  }

  /** The input lines; {@link #check} knows what each must get. */
  static String lines() {
    List<String> l = new ArrayList<>();
    l.add(
        completion(
            "greedy-text",
            "{\"model\":\""
                + MODEL
                + "\",\"prompt\":\"Once upon a time\",\"max_tokens\":8,\"temperature\":0,\"ignore_eos\":true}"));
    l.add(
        completion(
            "greedy-ids",
            "{\"model\":\""
                + MODEL
                + "\",\"prompt\":[1,345,678],\"max_tokens\":5,\"temperature\":0,\"ignore_eos\":true,\"user\":\"u1\"}"));
    l.add(
        chat(
            "chat-1",
            "{\"model\":\""
                + MODEL
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell a story.\"}],\"max_completion_tokens\":6,\"temperature\":0}"));
    l.add(completion("wrong-model", "{\"model\":\"gpt-4o\",\"prompt\":\"Hi\"}"));
    l.add(completion("greedy-text", "{\"model\":\"" + MODEL + "\",\"prompt\":\"Hi\"}"));
    l.add(
        chat(
            "tools",
            "{\"model\":\""
                + MODEL
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\"}]}"));
    l.add(
        "{\"id\":\"native\",\"prompt\":\"Once upon a time\",\"max_tokens\":8,\"temperature\":0,\"ignore_eos\":true}");
    l.add(
        "{\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"model\":\""
            + MODEL
            + "\",\"prompt\":\"Hi\"}}");
    l.add(
        completion(
            "too-many-stops",
            "{\"model\":\""
                + MODEL
                + "\",\"prompt\":\"Hi\",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}"));
    return String.join("\n", l) + "\n";
  }

  /** Checks a path's output lines for {@link #lines()}; {@code chatTemplate}: the model has one. */
  static void check(List<JsonNode> out, boolean chatTemplate) {
    assertThat(out).hasSize(9);
    assertThat(
            out.stream()
                .map(
                    r ->
                        r.path("custom_id").isNull() || r.path("custom_id").isMissingNode()
                            ? null
                            : r.get("custom_id").asText())
                .toList())
        .containsExactly(
            "greedy-text",
            "greedy-ids",
            "chat-1",
            "wrong-model",
            "greedy-text",
            "tools",
            null,
            null,
            "too-many-stops");
    JsonNode text = out.get(0).get("response");
    assertThat(text.get("status_code").asInt()).isEqualTo(200);
    JsonNode body = text.get("body");
    assertThat(body.get("object").asText()).isEqualTo("text_completion");
    assertThat(body.get("model").asText()).isEqualTo(MODEL);
    assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
    JsonNode nativeLine = out.get(6);
    assertThat(nativeLine.get("id").asText()).isEqualTo("native");
    // the same request in both formats: the same text and token counts
    assertThat(body.at("/choices/0/text").asText()).isEqualTo(nativeLine.get("text").asText());
    assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(8);
    assertThat(body.at("/usage/prompt_tokens").asInt())
        .isEqualTo(nativeLine.get("prompt_tokens").asInt());
    assertThat(body.at("/usage/total_tokens").asInt())
        .isEqualTo(nativeLine.get("prompt_tokens").asInt() + 8);
    JsonNode ids = out.get(1).at("/response/body/usage");
    assertThat(ids.toString())
        .isEqualTo("{\"prompt_tokens\":3,\"completion_tokens\":5,\"total_tokens\":8}");

    JsonNode chat = out.get(2).get("response");
    if (chatTemplate) {
      assertThat(chat.get("status_code").asInt()).isEqualTo(200);
      assertThat(chat.at("/body/object").asText()).isEqualTo("chat.completion");
      assertThat(chat.at("/body/choices/0/message/role").asText()).isEqualTo("assistant");
    } else {
      assertThat(chat.get("status_code").asInt()).isEqualTo(400);
      assertThat(chat.at("/body/error/message").asText()).contains("no chat template");
    }
    assertThat(error(out.get(3))).contains("model \"gpt-4o\" is not served here");
    assertThat(error(out.get(4))).contains("duplicate id \"greedy-text\"");
    assertThat(error(out.get(5))).contains("body.tools is not supported");
    assertThat(error(out.get(7))).contains("custom_id is missing");
    assertThat(error(out.get(8))).contains("stop takes at most 4 strings");
    for (JsonNode r : out) {
      if (r.has("response")) {
        assertThat(r.get("id").asText()).startsWith("batch_req_");
        assertThat(r.get("error").isNull()).isTrue();
      }
    }
  }

  private static String error(JsonNode line) {
    assertThat(line.at("/response/status_code").asInt()).as(line.toString()).isEqualTo(400);
    assertThat(line.at("/response/body/error/type").asText()).isEqualTo("invalid_request_error");
    return line.at("/response/body/error/message").asText();
  }

  /**
   * The test model with the demo model's chat template beside it (links to its files), in {@code
   * dir}.
   */
  static Path modelWithChatTemplate(Path dir) throws IOException {
    Path model = Files.createDirectories(dir.resolve(MODEL));
    Path original = SharedData.model(MODEL);
    try (var files = Files.list(original)) {
      for (Path f : files.toList()) {
        Files.createSymbolicLink(model.resolve(f.getFileName()), f.toAbsolutePath());
      }
    }
    Files.copy(
        SharedData.root().getParent().resolve("models/tiny-stories-synth/chat_template.jinja"),
        model.resolve("chat_template.jinja"));
    return model;
  }

  /** The line without what legitimately differs between runs (the creation time). */
  static JsonNode content(JsonNode line) {
    JsonNode copy = line.deepCopy();
    if (copy.at("/response/body").isObject()) {
      ((ObjectNode) copy.at("/response/body")).remove("created");
    }
    return copy;
  }
}
