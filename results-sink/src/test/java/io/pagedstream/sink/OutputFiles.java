package io.pagedstream.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
    try {
      for (Path file : dataFiles()) {
        String jobDir = root.relativize(file).getName(0).toString();
        String content;
        try {
          content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
          continue; // gone since the walk listed it: not a committed file any more
        }
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

  /**
   * The data files ({@code <job>/part-*.jsonl}) in name order. The sink's state folder is not
   * entered: its temporary, pending and commit files are created, renamed and deleted while the
   * sink runs. Any other entry that vanishes between being listed and being looked at is skipped,
   * as a walk concurrent with the sink would otherwise fail with {@link NoSuchFileException}.
   */
  private List<Path> dataFiles() throws IOException {
    List<Path> files = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return files;
    }
    Path stateDir = root.resolve(OutputLayout.STATE_DIR);
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            return dir.equals(stateDir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            String name = file.getFileName().toString();
            if (attrs.isRegularFile() && name.startsWith("part-") && name.endsWith(".jsonl")) {
              files.add(file);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null && !(e instanceof NoSuchFileException)) {
              throw e;
            }
            return FileVisitResult.CONTINUE;
          }
        });
    files.sort(null);
    return files;
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
