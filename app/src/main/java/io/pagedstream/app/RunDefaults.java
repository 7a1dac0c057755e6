package io.pagedstream.app;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What {@code run} on the embedded broker assumes when not told: the data directory and the job id
 * follow from the input file, so the very same command started again after a crash finds the job it
 * was running.
 */
final class RunDefaults {

  static final String DATA_DIR_NAME = "pagedstream-data";

  private RunDefaults() {}

  /** {@code pagedstream-data} in the input's folder: beside the data it was made from. */
  static Path dataDirFor(Path input) {
    Path parent = input.toAbsolutePath().normalize().getParent();
    return (parent == null ? Path.of("") : parent).resolve(DATA_DIR_NAME);
  }

  /**
   * {@code run-<file name>-<8 hex of the absolute path>}: the same for the same file, different for
   * two files of one name in different folders that share a data directory.
   */
  static String jobIdFor(Path input) {
    Path abs = input.toAbsolutePath().normalize();
    String name =
        String.valueOf(abs.getFileName())
            .replaceAll("\\.jsonl?$", "")
            .replaceAll("[^A-Za-z0-9._-]", "_");
    if (name.length() > 64) {
      name = name.substring(0, 64);
    }
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(abs.toString().getBytes(StandardCharsets.UTF_8));
      return "run-" + name + "-" + HexFormat.of().formatHex(hash, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JVM", e);
    }
  }
}
