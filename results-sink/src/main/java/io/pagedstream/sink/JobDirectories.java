package io.pagedstream.sink;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.errors.DataException;

/**
 * Maps job ids to folder names under the output directory. Job ids come from the data, so they are
 * never used as paths directly: characters outside {@code [A-Za-z0-9._-]}, a leading dot (a hidden
 * folder, or {@code ..}) and every {@code %} are percent-encoded as UTF-8 bytes, which keeps
 * distinct ids distinct and common ids ({@code job-2024-01}) readable.
 */
final class JobDirectories {

  /** Below the usual 255-byte limit of a file name. */
  private static final int MAX_NAME_LENGTH = 200;

  private final String defaultJob;

  JobDirectories(String defaultJob) {
    this.defaultJob = defaultJob;
  }

  /** The folder for {@code jobId}; the default job's folder when it is null or empty. */
  String forJob(String jobId) {
    if (jobId == null || jobId.isEmpty()) {
      return defaultJob;
    }
    StringBuilder name = new StringBuilder(jobId.length());
    byte[] bytes = jobId.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      boolean plain =
          (b >= 'a' && b <= 'z')
              || (b >= 'A' && b <= 'Z')
              || (b >= '0' && b <= '9')
              || b == '_'
              || b == '-'
              || (b == '.' && i > 0);
      if (plain) {
        name.append((char) b);
      } else {
        name.append('%')
            .append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
    }
    if (name.length() > MAX_NAME_LENGTH) {
      throw new DataException(
          "Job id too long for a folder name ("
              + name.length()
              + " characters encoded, at most "
              + MAX_NAME_LENGTH
              + "): "
              + jobId.substring(0, Math.min(jobId.length(), 40))
              + "...");
    }
    return name.toString();
  }
}
