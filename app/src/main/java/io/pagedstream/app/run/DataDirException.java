package io.pagedstream.app.run;

/** A data directory that cannot be used as it is: refused, never changed. */
public final class DataDirException extends IllegalStateException {

  private final boolean inUse;

  public DataDirException(String message) {
    this(message, false);
  }

  DataDirException(String message, boolean inUse) {
    super(message);
    this.inUse = inUse;
  }

  /** Refused because another running process holds the directory (it is fine otherwise). */
  public boolean inUse() {
    return inUse;
  }
}
