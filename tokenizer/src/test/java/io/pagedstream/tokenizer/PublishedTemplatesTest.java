package io.pagedstream.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pagedstream.core.text.ChatMessage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The published chat templates of Llama 3.2, Qwen2.5, Mistral (Nemo and Mixtral Instruct) and
 * SmolLM2 (src/test/resources/chat-templates, sources in SOURCES.md), each loaded from a model
 * folder's tokenizer_config.json and rendered with every conversation of conversations.json, must
 * match Python's jinja2 set up as transformers sets it up: the renderings committed in
 * expected-renderings.json (made by render_reference.py), and, where python3-jinja2 is installed,
 * render_reference.py run now.
 */
class PublishedTemplatesTest {

  static final Clock FIXED =
      Clock.fixed(LocalDateTime.of(2026, 1, 15, 9, 30).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void publishedTemplatesRenderAsTheCommittedJinja2Renderings() throws Exception {
    JsonNode expected = JSON.readTree(resource("expected-renderings.json").toFile());
    int compared = compareAll(expected);
    // 7 templates x 8 conversations
    assertThat(compared).isEqualTo(7 * 8);
  }

  @Test
  void publishedTemplatesRenderAsJinja2RunNow() throws Exception {
    Path dir = resource("models.json").getParent();
    ProcessBuilder pb =
        new ProcessBuilder(
            "/usr/bin/python3", dir.resolve("render_reference.py").toString(), dir.toString());
    boolean jinja2 =
        Files.isExecutable(Path.of("/usr/bin/python3"))
            && new ProcessBuilder("/usr/bin/python3", "-c", "import jinja2").start().waitFor() == 0;
    if (!jinja2) {
      System.err.println(
          "PublishedTemplatesTest: /usr/bin/python3 with jinja2 (Debian python3-jinja2) is not installed:"
              + " skipping the live comparison; the committed jinja2 renderings are still compared");
    }
    Assumptions.assumeTrue(jinja2, "python3-jinja2 not installed");
    Process p = pb.redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out;
    try (InputStream in = p.getInputStream()) {
      out = in.readAllBytes();
    }
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    JsonNode live = JSON.readTree(new String(out, StandardCharsets.UTF_8));
    assertThat(live).isEqualTo(JSON.readTree(resource("expected-renderings.json").toFile()));
    assertThat(compareAll(live)).isEqualTo(7 * 8);
  }

  @Test
  void llamaDateLineComesFromTheClock() throws Exception {
    ChatTemplate t =
        template(
            "meta-llama-Llama-3.2-3B-Instruct.jinja",
            Clock.fixed(
                LocalDateTime.of(2025, 3, 2, 12, 0).toInstant(ZoneOffset.UTC), ZoneOffset.UTC));
    assertThat(t.render(List.of(ChatMessage.of(ChatMessage.Role.USER, "Hi"))))
        .contains("Today Date: 02 Mar 2025\n");
  }

  @Test
  void aTemplatesRefusalIsAOneLineErrorWithItsOwnWords() throws Exception {
    ChatTemplate t = template("mistralai-Mistral-Nemo-Instruct-2407.jinja", FIXED);
    assertThatThrownBy(
            () ->
                t.render(
                    List.of(
                        ChatMessage.of(ChatMessage.Role.USER, "a"),
                        ChatMessage.of(ChatMessage.Role.USER, "b"))))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessage(
            "chat template: After the optional system message, conversation roles must alternate user/assistant/user/assistant/...");
  }

  /**
   * Renders every (template, conversation) pair and compares it with {@code expected}; returns how
   * many.
   */
  private int compareAll(JsonNode expected) throws Exception {
    JsonNode models = JSON.readTree(resource("models.json").toFile());
    JsonNode conversations = JSON.readTree(resource("conversations.json").toFile());
    int compared = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = models.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> model = it.next();
      ChatTemplate template = template(model.getKey(), FIXED);
      for (Iterator<Map.Entry<String, JsonNode>> c = conversations.fields(); c.hasNext(); ) {
        Map.Entry<String, JsonNode> conversation = c.next();
        JsonNode want = expected.path(model.getKey()).path(conversation.getKey());
        String what = model.getKey() + " / " + conversation.getKey();
        if (want.has("error")) {
          assertThatThrownBy(() -> template.render(messages(conversation.getValue())))
              .as(what)
              .isInstanceOf(ChatTemplateException.class)
              .hasMessage("chat template: " + want.get("error").asText());
        } else {
          assertThat(template.render(messages(conversation.getValue())))
              .as(what)
              .isEqualTo(want.get("text").asText());
        }
        compared++;
      }
    }
    return compared;
  }

  /**
   * A model folder whose tokenizer_config.json holds the template, loaded as a model's would be.
   */
  private ChatTemplate template(String file, Clock clock) throws IOException, URISyntaxException {
    JsonNode tokens = JSON.readTree(resource("models.json").toFile()).get(file);
    Path modelDir = Files.createDirectories(tmp.resolve(file + "-model"));
    ObjectNode config = JSON.createObjectNode();
    config.put("chat_template", Files.readString(resource(file), StandardCharsets.UTF_8));
    // the Mistral configs' special tokens in the {"content": ...} object form, the others as
    // strings
    for (String name : List.of("bos_token", "eos_token")) {
      JsonNode value = tokens.get(name);
      if (file.startsWith("mistralai") && value.isTextual()) {
        config.putObject(name).put("content", value.asText()).put("special", true);
      } else {
        config.set(name, value);
      }
    }
    JSON.writeValue(modelDir.resolve(ChatTemplateConfig.CONFIG_FILE).toFile(), config);
    ChatTemplateConfig read = ChatTemplateConfig.read(modelDir).orElseThrow();
    return ChatTemplate.of(read, clock);
  }

  static List<ChatMessage> messages(JsonNode conversation) {
    List<ChatMessage> out = new ArrayList<>();
    for (JsonNode m : conversation) {
      ChatMessage.Role role = ChatMessage.Role.parse(m.get("role").asText());
      JsonNode content = m.get("content");
      if (content.isArray()) {
        List<String> parts = new ArrayList<>();
        content.forEach(p -> parts.add(p.get("text").asText()));
        out.add(ChatMessage.ofTextParts(role, parts));
      } else {
        out.add(ChatMessage.of(role, content.asText()));
      }
    }
    return out;
  }

  static Path resource(String name) throws URISyntaxException {
    return Path.of(PublishedTemplatesTest.class.getResource("/chat-templates/" + name).toURI());
  }
}
