package io.pagedstream.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import io.pagedstream.core.text.ChatMessage;
import io.pagedstream.core.text.TextTokenizer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import jinjava.javax.el.CompositeELResolver;

/**
 * A model's chat template, rendered and tokenized as Hugging Face's {@code apply_chat_template}
 * does:
 *
 * <pre>
 *   messages -> render (Jinja: messages, add_generation_prompt=true, bos_token, eos_token,
 *               raise_exception, strftime_now; trim_blocks, lstrip_blocks)
 *            -> text -> tokenizer.encode(text, addSpecialTokens=false) -> prompt ids
 * </pre>
 *
 * The rendering is tokenized without the post-processor's special tokens: a template that writes
 * {@code bos_token} itself would otherwise get a second BOS.
 *
 * <p>Content given as text parts is passed to the template as one string (the parts joined with a
 * newline, see {@link ChatMessage}) unless the template iterates over a message's content, in which
 * case it gets the parts as {@code [{"type": "text", "text": ...}]}, as vLLM decides.
 *
 * <p>Rendering uses HubSpot's jinjava with Python's operator precedence and whitespace control,
 * plus what jinjava lacks for published templates: {@code raise_exception}, {@code strftime_now},
 * Python's {@code tojson} formatting and Python's string methods.
 */
public final class ChatTemplate {

  /** {@code {% for part in message['content'] %}} and the like: the template wants the parts. */
  private static final Pattern ITERATES_CONTENT =
      Pattern.compile(
          "for\\s+\\w+\\s+in\\s+\\w+\\s*(\\.\\s*content\\b|\\[\\s*['\"]content['\"]\\s*\\])");

  /** jinjava's switches towards Python Jinja's behaviour (precedence, whitespace control, repr). */
  private static final LegacyOverrides PYTHON_JINJA =
      LegacyOverrides.newBuilder()
          .withEvaluateMapKeys(true)
          .withIterateOverMapKeys(true)
          .withUsePyishObjectMapper(true)
          .withUseNaturalOperatorPrecedence(true)
          .withParseWhitespaceControlStrictly(true)
          .withAllowAdjacentTextNodes(true)
          .withUseTrimmingForNotesAndExpressions(true)
          .withKeepNullableLoopValues(true)
          .build();

  private final ChatTemplateConfig config;
  private final Jinjava jinjava;
  private final boolean contentAsParts;

  private ChatTemplate(ChatTemplateConfig config, Clock clock) {
    this.config = config;
    this.contentAsParts = ITERATES_CONTENT.matcher(config.template()).find();
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PythonStringMethods());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    this.jinjava =
        new Jinjava(
            JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withLegacyOverrides(PYTHON_JINJA)
                // a message is text: jinjava would otherwise render "{{ ... }}" written in one
                .withNestedInterpretationEnabled(false)
                .withElResolver(resolver)
                .withDateTimeProvider(clock::millis)
                .withTimeZone(clock.getZone())
                .withMaxOutputSize(64L << 20)
                .build());
    jinjava.getGlobalContext().registerFilter(new PythonJsonFilter());
    jinjava
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", TemplateFunctions.class, "raiseException", String.class));
    jinjava
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
  }

  /** The chat template of a model folder, or empty when the model has none. */
  public static Optional<ChatTemplate> load(Path modelDir) {
    return ChatTemplateConfig.read(modelDir)
        .map(c -> new ChatTemplate(c, Clock.systemDefaultZone()));
  }

  /** A template from its parts; the clock is what {@code strftime_now} reads. */
  public static ChatTemplate of(ChatTemplateConfig config, Clock clock) {
    return new ChatTemplate(config, clock);
  }

  /** The chat template of a model folder, or the one-line error a chat request gets without one. */
  public static ChatTemplate require(Path modelDir, String modelName) {
    return load(modelDir).orElseThrow(() -> new ChatTemplateException(missing(modelName)));
  }

  /** The error of a chat request to a model without a chat template. */
  public static String missing(String modelName) {
    return "model "
        + modelName
        + " has no chat template (no chat_template in "
        + ChatTemplateConfig.CONFIG_FILE
        + " and no "
        + ChatTemplateConfig.TEMPLATE_FILE
        + ")";
  }

  /** The prompt text of a conversation, ending with the assistant's turn opened. */
  public String render(List<ChatMessage> messages) {
    if (messages.isEmpty()) {
      throw new ChatTemplateException("messages is empty");
    }
    Map<String, Object> bindings = new HashMap<>();
    bindings.put("messages", bindings(messages));
    bindings.put("add_generation_prompt", true);
    // Jinja's globals are variables too: Llama 3.x asks "strftime_now is defined" before calling
    // it, and jinjava's functions are not variables, so each gets a stand-in value of its name
    bindings.put("strftime_now", "strftime_now");
    bindings.put("raise_exception", "raise_exception");
    if (config.bosToken() != null) {
      bindings.put("bos_token", config.bosToken());
    }
    if (config.eosToken() != null) {
      bindings.put("eos_token", config.eosToken());
    }
    RenderResult result = jinjava.renderForResult(config.template(), bindings);
    for (TemplateError error : result.getErrors()) {
      if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new ChatTemplateException("chat template: " + reason(error));
      }
    }
    return result.getOutput();
  }

  /** The prompt ids of a conversation: its rendering, tokenized without added special tokens. */
  public int[] encode(List<ChatMessage> messages, TextTokenizer tokenizer) {
    return tokenizer.encode(render(messages), false);
  }

  /** Whether the template is given content as a list of text parts rather than a string. */
  public boolean contentAsParts() {
    return contentAsParts;
  }

  public ChatTemplateConfig config() {
    return config;
  }

  private List<Map<String, Object>> bindings(List<ChatMessage> messages) {
    List<Map<String, Object>> out = new ArrayList<>(messages.size());
    for (ChatMessage m : messages) {
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("role", m.role().wireName());
      if (contentAsParts) {
        List<Map<String, Object>> parts = new ArrayList<>();
        for (String text : m.hasTextParts() ? m.textParts() : List.of(m.content())) {
          Map<String, Object> part = new LinkedHashMap<>();
          part.put("type", "text");
          part.put("text", text);
          parts.add(part);
        }
        message.put("content", parts);
      } else {
        message.put("content", m.content());
      }
      out.add(message);
    }
    return out;
  }

  /** The template's own message for raise_exception, else jinjava's, on one line. */
  private static String reason(TemplateError error) {
    for (Throwable t = error.getException(); t != null; t = t.getCause()) {
      if (t instanceof TemplateFunctions.TemplateRefusal) {
        return oneLine(t.getMessage());
      }
    }
    String message = error.getMessage();
    // jinjava wraps a function's exception in its message; the template's own words are what matter
    int at =
        message == null ? -1 : message.indexOf(TemplateFunctions.TemplateRefusal.class.getName());
    if (at >= 0) {
      return oneLine(
          message
              .substring(at + TemplateFunctions.TemplateRefusal.class.getName().length())
              .replaceFirst("^:\\s*", ""));
    }
    return oneLine(message + (error.getLineno() > 0 ? " (line " + error.getLineno() + ")" : ""));
  }

  private static String oneLine(String s) {
    String flat = s == null ? "" : s.replaceAll("\\s+", " ").strip();
    return flat.length() > 300 ? flat.substring(0, 297) + "..." : flat;
  }
}
