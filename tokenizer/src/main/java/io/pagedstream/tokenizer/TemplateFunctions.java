package io.pagedstream.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Locale;

/**
 * The globals {@code transformers} gives chat templates, as jinjava functions (which must be static
 * methods; the time comes from the interpreter's configured date source, so tests fix it).
 */
final class TemplateFunctions {

  private TemplateFunctions() {}

  /** {@code raise_exception(message)}: the template refuses the conversation. */
  public static Object raiseException(String message) {
    throw new TemplateRefusal(message);
  }

  /**
   * {@code strftime_now(format)}: the current local time in a Python strftime format (Llama 3.x's
   * date line).
   */
  public static String strftimeNow(String format) {
    JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
    long millis = interpreter.getConfig().getDateTimeProvider().getCurrentTimeMillis();
    ZonedDateTime now = Instant.ofEpochMilli(millis).atZone(interpreter.getConfig().getTimeZone());
    return StrftimeFormatter.format(now, format, Locale.ENGLISH);
  }

  /** What {@code raise_exception} throws; its message is the template's own. */
  static final class TemplateRefusal extends RuntimeException {
    TemplateRefusal(String message) {
      super(message);
    }
  }
}
