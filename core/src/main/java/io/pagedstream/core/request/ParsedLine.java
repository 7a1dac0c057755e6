package io.pagedstream.core.request;

/** A JSONL request line after parsing: a request, or the reason it is not one. */
public sealed interface ParsedLine {

  String id();

  record Ok(PromptRequest request) implements ParsedLine {
    @Override
    public String id() {
      return request.id();
    }
  }

  /** The id is the line's own when it could be read, else a stand-in naming the line number. */
  record Failed(String id, String error) implements ParsedLine {}
}
