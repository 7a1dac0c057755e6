package io.pagedstream.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.core.text.ChatMessage;
import io.pagedstream.core.text.ChatMessage.Role;
import io.pagedstream.core.text.TextTokenizer;
import io.pagedstream.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo model's real tokenizer (tiny-stories-synth: its post-processor adds {@code
 * <|endoftext|>} as BOS) with a chat template that writes {@code bos_token} itself, as Llama's and
 * Mistral's do: the chat prompt must hold exactly one BOS, as {@code apply_chat_template} gives.
 */
class DemoModelChatTest {

  static final String TEMPLATE =
      "{{ bos_token }}{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
          + "{% if add_generation_prompt %}assistant:{% endif %}";

  @TempDir Path dir;

  @Test
  void chatPromptHasExactlyOneBos() throws IOException {
    Path model = SharedData.model("tiny-stories-synth");
    for (String file : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
      Files.copy(model.resolve(file), dir.resolve(file));
    }
    // the demo model has no template of its own: give it one beside its config
    Files.writeString(dir.resolve("chat_template.jinja"), TEMPLATE);
    ChatTemplate template = ChatTemplate.load(dir).orElseThrow();
    assertThat(ChatTemplate.load(model)).as("the demo model ships no chat template").isEmpty();
    List<ChatMessage> messages =
        List.of(
            ChatMessage.of(Role.SYSTEM, "You tell short stories."),
            ChatMessage.of(Role.USER, "Once upon a time there was a cat."));
    String rendered = template.render(messages);
    assertThat(rendered)
        .isEqualTo(
            "<|endoftext|>system: You tell short stories.\n"
                + "user: Once upon a time there was a cat.\nassistant:");

    try (TextTokenizer tokenizer = HuggingFaceTextTokenizer.forModel(dir).orElseThrow()) {
      int bos = tokenizer.encode("", true)[0];
      assertThat(tokenizer.decode(new int[] {bos})).isEqualTo("<|endoftext|>");

      int[] ids = template.encode(messages, tokenizer);
      assertThat(ids[0]).isEqualTo(bos);
      assertThat(Arrays.stream(ids).filter(id -> id == bos).count()).isEqualTo(1);
      assertThat(tokenizer.decode(ids)).isEqualTo(rendered);
      // what encoding with the post-processor would have given: the double BOS apply_chat_template
      // avoids
      int[] doubled = tokenizer.encode(rendered, true);
      assertThat(Arrays.copyOf(doubled, 2)).containsExactly(bos, bos);
      assertThat(Arrays.copyOfRange(doubled, 1, doubled.length)).containsExactly(ids);
      // a plain prompt still gets its BOS from the post-processor
      int[] plain = tokenizer.encode("Once upon a time");
      assertThat(plain[0]).isEqualTo(bos);
      assertThat(Arrays.copyOfRange(plain, 1, plain.length))
          .containsExactly(tokenizer.encode("Once upon a time", false));
    }
  }
}
