package io.pagedstream.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Reads what the sink wrote: every data file under an output directory. */
record OutputFiles(Path root) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One parsed line and where it was. */
  record Line(String jobDir, Path file, JsonNode json) {
    String id() {
      return json.get("id").asText();
    }
  }

  /** Every line of finished output: each file must end with a whole line. */
  List<Line> lines() {
    return lines(true);
  }

  /** What a reader sees while the sink writes: a line being appended right now is left out. */
  List<Line> linesWhileWriting() {
    return lines(false);
  }

  private List<Line> lines(boolean finished) {
    List<Line> lines = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return lines;
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file :
          files
              .filter(
                  f ->
                      f.getFileName().toString().startsWith("part-")
                          && f.toString().endsWith(".jsonl")
                          && !root.relativize(f).startsWith(".pagedstream"))
              .sorted()
              .toList()) {
        String jobDir = root.relativize(file).getName(0).toString();
        String content = Files.readString(file, StandardCharsets.UTF_8);
        if (finished && !content.isEmpty()) {
          assertThat(content).as("%s ends with a whole line", file).endsWith("\n");
        }
        content = content.substring(0, content.lastIndexOf('\n') + 1);
        for (String text : content.lines().toList()) {
          lines.add(new Line(jobDir, file, JSON.readTree(text)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return lines;
  }

  /** How many distinct request ids a reader sees now. */
  int distinctIdsWhileWriting() {
    return (int) linesWhileWriting().stream().map(Line::id).distinct().count();
  }

  /**
   * The finished output holds completions 0..count-1 exactly once each, in their job's folder, with
   * their own content, and in production order within each file.
   */
  void assertExactlyOnce(int count) {
    List<Line> lines = lines();
    Map<String, Integer> counts = new HashMap<>();
    for (Line line : lines) {
      counts.merge(line.id(), 1, Integer::sum);
    }
    Map<String, Integer> wrong = new java.util.TreeMap<>();
    for (int n = 0; n < count; n++) {
      int seen = counts.getOrDefault(TestCompletions.id(n), 0);
      if (seen != 1) {
        wrong.put(TestCompletions.id(n), seen);
      }
    }
    assertThat(wrong.entrySet().stream().limit(20).toList())
        .as("%d request ids not written exactly once (first 20, id=times)", wrong.size())
        .isEmpty();
    assertThat(lines).as("lines in total").hasSize(count);

    JobDirectories dirs = new JobDirectories("no-job");
    Map<Path, Integer> lastInFile = new HashMap<>();
    for (Line line : lines) {
      int n = Integer.parseInt(line.id().substring("req-".length()));
      assertThat(line.jobDir())
          .as("folder of %s", line.id())
          .isEqualTo(dirs.forJob(TestCompletions.jobOf(n)));
      String text = TestCompletions.completion(n).getText();
      assertThat(line.json().path("text").isMissingNode() ? null : line.json().get("text").asText())
          .as("text of %s", line.id())
          .isEqualTo(text);
      Integer previous = lastInFile.put(line.file(), n);
      assertThat(previous == null || previous < n)
          .as("%s after %s in %s", n, previous, line.file())
          .isTrue();
    }
  }
}
