package io.pagedstream.sink;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.TopicPartition;

/**
 * Where everything lives under {@code output.dir}:
 *
 * <pre>
 * &lt;job&gt;/part-&lt;topic&gt;-&lt;partition&gt;.jsonl        committed lines (then .1.jsonl, .2.jsonl ... after rollovers)
 * .pagedstream/commits/&lt;topic&gt;-&lt;partition&gt;.json  the partition's commit record
 * .pagedstream/pending/&lt;topic&gt;-&lt;partition&gt;/    lines not committed yet, one file per job
 * </pre>
 *
 * Job folders never start with a dot (see {@link JobDirectories}), so the state folder cannot
 * collide with a job. Topic names are limited to {@code [a-zA-Z0-9._-]} by Kafka, so they are safe
 * in file names.
 */
record OutputLayout(Path root) {

  static final String STATE_DIR = ".pagedstream";

  Path commitRecord(TopicPartition tp) {
    return root.resolve(STATE_DIR).resolve("commits").resolve(name(tp) + ".json");
  }

  Path pendingDir(TopicPartition tp) {
    return root.resolve(STATE_DIR).resolve("pending").resolve(name(tp));
  }

  /** Named by the offset of its first record, so that no two writing periods share a name. */
  Path pendingFile(TopicPartition tp, long firstOffset, String jobDir) {
    return pendingDir(tp).resolve(firstOffset + "-" + jobDir + ".jsonl");
  }

  Path jobDir(String jobDir) {
    return root.resolve(jobDir);
  }

  /** File {@code sequence} of a partition's lines for a job; 0 is the file before any rollover. */
  Path dataFile(String jobDir, TopicPartition tp, int sequence) {
    String base = "part-" + name(tp);
    return jobDir(jobDir)
        .resolve(sequence == 0 ? base + ".jsonl" : base + "." + sequence + ".jsonl");
  }

  /** The highest file sequence of this partition present in the job folder; 0 when none is. */
  int lastSequence(String jobDir, TopicPartition tp) throws IOException {
    Path dir = jobDir(jobDir);
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    Pattern pattern = Pattern.compile(Pattern.quote("part-" + name(tp)) + "(?:\\.(\\d+))?\\.jsonl");
    int last = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path file : files) {
        Matcher m = pattern.matcher(file.getFileName().toString());
        if (m.matches() && m.group(1) != null) {
          last = Math.max(last, Integer.parseInt(m.group(1)));
        }
      }
    }
    return last;
  }

  /** A path relative to the root, as commit records store them (the root may move). */
  String relative(Path path) {
    return root.relativize(path).toString();
  }

  Path resolve(String relative) {
    Path resolved = root.resolve(relative).normalize();
    if (!resolved.startsWith(root.normalize())) {
      throw new IllegalArgumentException(
          "Commit record names a path outside " + root + ": " + relative);
    }
    return resolved;
  }

  private static String name(TopicPartition tp) {
    return tp.topic() + "-" + tp.partition();
  }
}
