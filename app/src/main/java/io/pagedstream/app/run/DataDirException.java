package io.pagedstream.app.run;

/** A data directory that cannot be used as it is: refused, never changed. */
public final class DataDirException extends IllegalStateException {
  public DataDirException(String message) {
    super(message);
  }
}
