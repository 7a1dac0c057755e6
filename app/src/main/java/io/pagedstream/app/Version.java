package io.pagedstream.app;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest (set by the build), or "dev" when run from classes. */
final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {text()};
  }

  /** {@code pagedstream 0.1.0}, or {@code pagedstream dev}. */
  static String text() {
    String v = PagedStream.class.getPackage().getImplementationVersion();
    return "pagedstream " + (v == null ? "dev" : v);
  }
}
