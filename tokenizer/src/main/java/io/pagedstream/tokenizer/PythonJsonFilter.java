package io.pagedstream.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code tojson} filter as {@code transformers} defines it for chat templates: {@code
 * json.dumps(x, ensure_ascii=False, indent=indent, sort_keys=sort_keys)}. jinjava's own filter
 * writes compact JSON ({@code {"a":1}}), where Python writes {@code {"a": 1}}, and tool definitions
 * rendered into a prompt must match what the model was trained on.
 */
final class PythonJsonFilter implements Filter {

  @Override
  public String getName() {
    return "tojson";
  }

  @Override
  public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
    return filter(var, interpreter, args, Map.of());
  }

  @Override
  public Object filter(
      Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
    Object indent =
        kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
    boolean sortKeys = Boolean.TRUE.equals(kwargs.get("sort_keys"));
    StringBuilder out = new StringBuilder();
    write(out, var, indent == null ? -1 : ((Number) indent).intValue(), 0, sortKeys);
    return out.toString();
  }

  static String dumps(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, -1, 0, false);
    return out.toString();
  }

  private static void write(StringBuilder out, Object v, int indent, int level, boolean sortKeys) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof Boolean
        || v instanceof Long
        || v instanceof Integer
        || v instanceof Short) {
      out.append(v);
    } else if (v instanceof Number n) {
      double d = n.doubleValue();
      out.append(
          d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e16
              ? String.format(java.util.Locale.ROOT, "%.1f", d)
              : Double.toString(d));
    } else if (v instanceof Map<?, ?> map) {
      Map<?, ?> entries = sortKeys ? new TreeMap<>(map) : map;
      if (entries.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : entries.entrySet()) {
        separator(out, first, indent, level + 1);
        first = false;
        string(out, String.valueOf(e.getKey()));
        out.append(": ");
        write(out, e.getValue(), indent, level + 1, sortKeys);
      }
      close(out, indent, level, '}');
    } else if (v instanceof Iterable<?> || v instanceof Object[]) {
      List<Object> items = new ArrayList<>();
      if (v instanceof Object[] array) {
        items.addAll(List.of(array));
      } else {
        ((Iterable<?>) v).forEach(items::add);
      }
      if (items.isEmpty()) {
        out.append("[]");
        return;
      }
      out.append('[');
      boolean first = true;
      for (Object item : items) {
        separator(out, first, indent, level + 1);
        first = false;
        write(out, item, indent, level + 1, sortKeys);
      }
      close(out, indent, level, ']');
    } else {
      string(out, v.toString());
    }
  }

  private static void separator(StringBuilder out, boolean first, int indent, int level) {
    if (indent < 0) {
      if (!first) {
        out.append(", ");
      }
    } else {
      if (!first) {
        out.append(',');
      }
      out.append('\n').append(" ".repeat(indent * level));
    }
  }

  private static void close(StringBuilder out, int indent, int level, char bracket) {
    if (indent >= 0) {
      out.append('\n').append(" ".repeat(indent * level));
    }
    out.append(bracket);
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
