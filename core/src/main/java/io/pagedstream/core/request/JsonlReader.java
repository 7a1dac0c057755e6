package io.pagedstream.core.request;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Reads a JSONL stream line by line as strict UTF-8 and parses each line into a request, so that a
 * line with invalid bytes becomes an error result for that line instead of a silently mangled
 * prompt. A final line without a newline counts; an empty file has no lines.
 */
public final class JsonlReader {

  private JsonlReader() {}

  /** Calls {@code sink} once per line, in order, with its parse result. Returns the line count. */
  public static long read(InputStream in, Consumer<ParsedLine> sink) throws IOException {
    InputStream buffered =
        in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 1 << 16);
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    long number = 0;
    int b;
    boolean pending = false;
    while ((b = buffered.read()) != -1) {
      if (b == '\n') {
        sink.accept(parse(line, ++number));
        line.reset();
        pending = false;
      } else {
        line.write(b);
        pending = true;
      }
    }
    if (pending) {
      sink.accept(parse(line, ++number));
    }
    return number;
  }

  private static ParsedLine parse(ByteArrayOutputStream bytes, long number) {
    byte[] raw = bytes.toByteArray();
    int len = raw.length;
    if (len > 0 && raw[len - 1] == '\r') {
      len--;
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(raw, 0, len))
              .toString();
    } catch (CharacterCodingException e) {
      return new ParsedLine.Failed("line-" + number, "line " + number + " is not valid UTF-8");
    }
    if (text.isBlank()) {
      return new ParsedLine.Failed("line-" + number, "line " + number + " is empty");
    }
    return RequestParser.parse(text, number);
  }
}
