package io.pagedstream.core.model;

/** A model folder, config or weights file that cannot be used; the message is one line. */
public class ModelFormatException extends RuntimeException {
  public ModelFormatException(String message) {
    super(message);
  }
}
