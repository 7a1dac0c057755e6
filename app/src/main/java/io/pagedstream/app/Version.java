package io.pagedstream.app;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest (set by the build), or "dev" when run from classes. */
final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = PagedStream.class.getPackage().getImplementationVersion();
    return new String[] {"pagedstream " + (v == null ? "dev" : v)};
  }
}
