package io.pagedstream.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} methods that published chat templates call ({@code .startswith}, {@code
 * .strip()}, {@code .split()}, ...). Jinja runs on Python, where a string has them; in jinjava a
 * string is a {@link String}, whose Java methods only overlap by chance. This resolver answers
 * those calls with Python's semantics and leaves everything else to jinjava's resolvers.
 */
final class PythonStringMethods extends ELResolver {

  private static final Set<String> METHODS =
      Set.of(
          "startswith",
          "endswith",
          "strip",
          "lstrip",
          "rstrip",
          "lower",
          "upper",
          "title",
          "capitalize",
          "split",
          "replace",
          "find",
          "count",
          "isspace",
          "isdigit");

  @Override
  public Object invoke(
      ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    if (!(base instanceof String s) || method == null || !METHODS.contains(method.toString())) {
      return null;
    }
    Object[] args = params == null ? new Object[0] : params;
    Object result = call(s, method.toString(), args);
    context.setPropertyResolved(true);
    return result;
  }

  private static Object call(String s, String method, Object[] args) {
    switch (method) {
      case "startswith":
        return anyOf(args[0], s::startsWith);
      case "endswith":
        return anyOf(args[0], s::endsWith);
      case "strip":
        return rstrip(lstrip(s, arg(args)), arg(args));
      case "lstrip":
        return lstrip(s, arg(args));
      case "rstrip":
        return rstrip(s, arg(args));
      case "lower":
        return s.toLowerCase(Locale.ROOT);
      case "upper":
        return s.toUpperCase(Locale.ROOT);
      case "capitalize":
        return s.isEmpty()
            ? s
            : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
      case "title":
        return title(s);
      case "split":
        return split(s, arg(args));
      case "replace":
        return s.replace(String.valueOf(args[0]), String.valueOf(args[1]));
      case "find":
        return (long) s.indexOf(String.valueOf(args[0]));
      case "count":
        return count(s, String.valueOf(args[0]));
      case "isspace":
        return !s.isEmpty() && s.chars().allMatch(Character::isWhitespace);
      case "isdigit":
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
      default:
        throw new IllegalStateException(method);
    }
  }

  private static String arg(Object[] args) {
    return args.length == 0 || args[0] == null ? null : String.valueOf(args[0]);
  }

  /** Python's startswith/endswith take a string or a tuple of strings. */
  private static boolean anyOf(Object arg, java.util.function.Predicate<String> test) {
    if (arg instanceof Iterable<?> options) {
      for (Object o : options) {
        if (test.test(String.valueOf(o))) {
          return true;
        }
      }
      return false;
    }
    return test.test(String.valueOf(arg));
  }

  private static boolean stripped(char c, String chars) {
    return chars == null ? Character.isWhitespace(c) : chars.indexOf(c) >= 0;
  }

  private static String lstrip(String s, String chars) {
    int i = 0;
    while (i < s.length() && stripped(s.charAt(i), chars)) {
      i++;
    }
    return s.substring(i);
  }

  private static String rstrip(String s, String chars) {
    int i = s.length();
    while (i > 0 && stripped(s.charAt(i - 1), chars)) {
      i--;
    }
    return s.substring(0, i);
  }

  /** Python's split: no separator splits on runs of whitespace and drops empty pieces. */
  private static List<String> split(String s, String sep) {
    if (sep == null) {
      List<String> out = new ArrayList<>();
      for (String piece : s.strip().split("\\s+")) {
        if (!piece.isEmpty()) {
          out.add(piece);
        }
      }
      return out;
    }
    if (sep.isEmpty()) {
      throw new IllegalArgumentException("empty separator");
    }
    List<String> out = new ArrayList<>();
    int from = 0;
    for (int at = s.indexOf(sep); at >= 0; at = s.indexOf(sep, from)) {
      out.add(s.substring(from, at));
      from = at + sep.length();
    }
    out.add(s.substring(from));
    return out;
  }

  private static String title(String s) {
    StringBuilder b = new StringBuilder(s.length());
    boolean previousCased = false;
    for (char c : s.toCharArray()) {
      b.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
      previousCased = Character.isLetter(c);
    }
    return b.toString();
  }

  private static long count(String s, String sub) {
    if (sub.isEmpty()) {
      return s.length() + 1L;
    }
    long n = 0;
    for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
      n++;
    }
    return n;
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {}

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return true;
  }

  @Override
  public java.util.Iterator<java.beans.FeatureDescriptor> getFeatureDescriptors(
      ELContext context, Object base) {
    return null;
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return base instanceof String ? Object.class : null;
  }
}
