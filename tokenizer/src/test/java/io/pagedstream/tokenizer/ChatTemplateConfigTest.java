package io.pagedstream.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.core.model.ModelFormatException;
import io.pagedstream.core.request.InvalidRequestException;
import io.pagedstream.core.text.ChatMessage;
import io.pagedstream.core.text.ChatMessage.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a model's chat template and special tokens come from, and a model without a template. */
class ChatTemplateConfigTest {

  static final String ECHO =
      "{{ bos_token }}{% for m in messages %}{{ m.role }}={{ m.content }};{% endfor %}{{ eos_token }}";

  @TempDir Path dir;

  @Test
  void templateStringAndTokensAsStrings() throws IOException {
    config(
        """
        {"chat_template": "%s", "bos_token": "<s>", "eos_token": "</s>"}"""
            .formatted(ECHO));
    ChatTemplateConfig c = ChatTemplateConfig.read(dir).orElseThrow();
    assertThat(c.template()).isEqualTo(ECHO);
    assertThat(c.bosToken()).isEqualTo("<s>");
    assertThat(c.eosToken()).isEqualTo("</s>");
    assertThat(render()).isEqualTo("<s>user=hi;</s>");
  }

  @Test
  void tokensAsContentObjectsAndMissingTokensUndefined() throws IOException {
    config(
        """
        {"chat_template": "{% if bos_token is defined %}B{% endif %}{{ eos_token }}|{{ messages[0].content }}",
         "bos_token": null, "eos_token": {"__type": "AddedToken", "content": "<|im_end|>", "special": true}}""");
    assertThat(render()).isEqualTo("<|im_end|>|hi");
  }

  @Test
  void listOfNamedTemplatesTakesDefault() throws IOException {
    config(
        """
        {"chat_template": [{"name": "tool_use", "template": "TOOLS"}, {"name": "default", "template": "DEFAULT {{ messages|length }}"}]}""");
    assertThat(render()).isEqualTo("DEFAULT 1");
  }

  @Test
  void chatTemplateJinjaFileWinsOverTheConfig() throws IOException {
    config(
        """
        {"chat_template": "FROM CONFIG", "bos_token": "<s>"}""");
    Files.writeString(dir.resolve("chat_template.jinja"), "{{ bos_token }}FROM FILE\n");
    assertThat(render()).isEqualTo("<s>FROM FILE\n");
  }

  @Test
  void chatTemplateJinjaFileWithoutAConfig() throws IOException {
    Files.writeString(
        dir.resolve("chat_template.jinja"), "{% for m in messages %}{{ m.content }}{% endfor %}");
    assertThat(render()).isEqualTo("hi");
  }

  @Test
  void modelWithoutTemplateHasNoneAndChatRequestsGetAOneLineError() throws IOException {
    config(
        """
        {"bos_token": "<s>", "model_max_length": 512}""");
    assertThat(ChatTemplate.load(dir)).isEmpty();
    assertThatThrownBy(() -> ChatTemplate.require(dir, "tiny-stories-synth"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage(
            "model tiny-stories-synth has no chat template (no chat_template in tokenizer_config.json"
                + " and no chat_template.jinja)");
    assertThat(ChatTemplate.load(dir.resolve("no-such-folder"))).isEmpty();
  }

  @Test
  void aTemplateThatIsNotTextIsAModelFormatError() throws IOException {
    config(
        """
        {"chat_template": 42}""");
    assertThatThrownBy(() -> ChatTemplate.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("chat_template is neither a string nor a list of named templates");
  }

  @Test
  void brokenTemplateAndRaiseExceptionAreOneLineErrors() throws IOException {
    config(
        """
        {"chat_template": "{% if messages[0].role != 'system' %}{{ raise_exception('System message\\\\nfirst, please') }}{% endif %}ok"}""");
    ChatTemplate t = ChatTemplate.load(dir).orElseThrow();
    assertThatThrownBy(() -> t.render(List.of(ChatMessage.of(Role.USER, "hi"))))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessage("chat template: System message first, please");
    assertThat(t.render(List.of(ChatMessage.of(Role.SYSTEM, "s")))).isEqualTo("ok");

    config(
        """
        {"chat_template": "{{ messages[0].content.no_such_method() }}"}""");
    assertThatThrownBy(this::render)
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageStartingWith("chat template: ")
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> ChatTemplate.load(dir).orElseThrow().render(List.of()))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessage("messages is empty");
  }

  @Test
  void textPartsReachATemplateThatIteratesThemAsParts() throws IOException {
    config(
        """
        {"chat_template": "{% for m in messages %}{% for p in m['content'] %}<{{ p.type }}:{{ p.text }}>{% endfor %}{% endfor %}"}""");
    ChatTemplate t = ChatTemplate.load(dir).orElseThrow();
    assertThat(t.contentAsParts()).isTrue();
    assertThat(
            t.render(
                List.of(
                    ChatMessage.ofTextParts(Role.USER, List.of("a", "b")),
                    ChatMessage.of(Role.ASSISTANT, "c"))))
        .isEqualTo("<text:a><text:b><text:c>");
  }

  @Test
  void textPartsAreOneStringForATemplateThatDoesNotIterateThem() throws IOException {
    config(
        """
        {"chat_template": "{% for m in messages %}[{{ m.content }}]{% endfor %}"}""");
    ChatTemplate t = ChatTemplate.load(dir).orElseThrow();
    assertThat(t.contentAsParts()).isFalse();
    assertThat(t.render(List.of(ChatMessage.ofTextParts(Role.USER, List.of("a", "b")))))
        .isEqualTo("[a\nb]");
  }

  @Test
  void messageTextIsNeverInterpretedAsTemplate() throws IOException {
    config(
        """
        {"chat_template": "{{ messages[0].content }}"}""");
    ChatTemplate t = ChatTemplate.load(dir).orElseThrow();
    assertThat(
            t.render(List.of(ChatMessage.of(Role.USER, "{{ 7 * 6 }} {% if true %}x{% endif %}"))))
        .isEqualTo("{{ 7 * 6 }} {% if true %}x{% endif %}");
  }

  @Test
  void rolesParseFromTheirWireNames() {
    assertThat(Role.parse("assistant")).isEqualTo(Role.ASSISTANT);
    assertThatThrownBy(() -> Role.parse("tool"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown message role \"tool\" (expected system, user or assistant)");
    assertThatThrownBy(() -> new ChatMessage(Role.USER, "x", List.of("a", "b")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private void config(String json) throws IOException {
    Files.writeString(dir.resolve("tokenizer_config.json"), json);
  }

  private String render() {
    return ChatTemplate.load(dir).orElseThrow().render(List.of(ChatMessage.of(Role.USER, "hi")));
  }
}
