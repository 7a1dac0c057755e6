package io.pagedstream.core.request;

/** A JSONL request line after parsing: a request, or the reason it is not one. */
public sealed interface ParsedLine {

  String id();

  /** How the line's result is written: an OpenAI line's error is an OpenAI error line. */
  ResponseFormat format();

  record Ok(PromptRequest request) implements ParsedLine {
    @Override
    public String id() {
      return request.id();
    }

    @Override
    public ResponseFormat format() {
      return request.format();
    }
  }

  /** The id is the line's own when it could be read, else a stand-in naming the line number. */
  record Failed(String id, String error, ResponseFormat format) implements ParsedLine {

    public Failed {
      format = format == null ? ResponseFormat.NATIVE : format;
    }

    public Failed(String id, String error) {
      this(id, error, ResponseFormat.NATIVE);
    }
  }
}
