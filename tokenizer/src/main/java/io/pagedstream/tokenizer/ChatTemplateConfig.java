package io.pagedstream.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pagedstream.core.model.ModelFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a model folder says about its chat template, read as Hugging Face's tokenizers read it.
 *
 * <p>The template is a {@code chat_template.jinja} file beside {@code tokenizer_config.json} (newer
 * repositories), which wins when both are there as it does in {@code transformers}; or the config's
 * {@code chat_template}: a string, or a list of named templates ({@code [{"name": "default",
 * "template": ...}, {"name": "tool_use", ...}]}) of which the one named {@code default} is taken.
 * {@code bos_token} and {@code eos_token} are strings or {@code {"content": ...}} objects; null
 * when the config has none (the template then sees them undefined, as in {@code transformers}).
 *
 * @param template the Jinja source
 * @param origin where it was read, for messages
 */
public record ChatTemplateConfig(String template, String bosToken, String eosToken, String origin) {

  public static final String CONFIG_FILE = "tokenizer_config.json";
  public static final String TEMPLATE_FILE = "chat_template.jinja";

  public ChatTemplateConfig {
    if (template == null || template.isEmpty()) {
      throw new IllegalArgumentException("empty chat template");
    }
  }

  /** The template of a model folder, or empty when it has none. */
  public static Optional<ChatTemplateConfig> read(Path modelDir) {
    Path configFile = modelDir.resolve(CONFIG_FILE);
    Path templateFile = modelDir.resolve(TEMPLATE_FILE);
    JsonNode config = Files.isRegularFile(configFile) ? parse(configFile) : null;
    String bos = config == null ? null : token(config.get("bos_token"));
    String eos = config == null ? null : token(config.get("eos_token"));
    try {
      if (Files.isRegularFile(templateFile)) {
        String text = Files.readString(templateFile, StandardCharsets.UTF_8);
        return text.isEmpty()
            ? Optional.empty()
            : Optional.of(new ChatTemplateConfig(text, bos, eos, templateFile.toString()));
      }
    } catch (IOException e) {
      throw new ModelFormatException("cannot read " + templateFile + ": " + e.getMessage());
    }
    if (config == null) {
      return Optional.empty();
    }
    String text = templateOf(config.get("chat_template"), configFile);
    return text == null || text.isEmpty()
        ? Optional.empty()
        : Optional.of(new ChatTemplateConfig(text, bos, eos, configFile + " chat_template"));
  }

  private static JsonNode parse(Path file) {
    try {
      return new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new ModelFormatException("cannot read " + file + ": " + e.getMessage());
    }
  }

  private static String templateOf(JsonNode node, Path file) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isTextual()) {
      return node.asText();
    }
    if (node.isArray()) {
      for (JsonNode named : node) {
        if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
          return named.get("template").asText();
        }
      }
      return null;
    }
    throw new ModelFormatException(
        file + ": chat_template is neither a string nor a list of named templates");
  }

  private static String token(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isTextual()) {
      return node.asText();
    }
    JsonNode content = node.get("content");
    return content != null && content.isTextual() ? content.asText() : null;
  }
}
