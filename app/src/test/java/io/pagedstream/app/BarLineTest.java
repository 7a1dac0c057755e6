package io.pagedstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.ProgressBarConsumer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class BarLineTest {

  @Test
  void otherWritersLinesPrintWholeAboveTheBar() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BarLine line = new BarLine(new PrintStream(out, true, StandardCharsets.UTF_8), 60);
    ProgressBarConsumer bar = line.bar();
    PrintStream others = line.others();

    bar.accept("run 10% [==        ]");
    others.println("INFO Ingesting requests.jsonl");
    bar.accept("run 20% [====      ]");
    others.print("INFO Ingest ");
    bar.accept("run 30% [======    ]"); // while a line is half written: must wait for its end
    others.println("done: 12 lines");
    bar.close();

    assertThat(screen(out))
        .containsExactly(
            "INFO Ingesting requests.jsonl", "INFO Ingest done: 12 lines", "run 30% [======    ]");
  }

  @Test
  void logLinesDuringTheRealBarDoNotMixWithIt() throws Exception {
    PrintStream stderr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
    try (Progress progress = Progress.start("bar-under-test", 10, false)) {
      // the bar draws itself from its own thread: log only once it is on the line
      long giveUp = System.nanoTime() + 30_000_000_000L;
      while (!out.toString(StandardCharsets.UTF_8).contains("bar-under-test")) {
        assertThat(System.nanoTime()).as("the bar never drew itself").isLessThan(giveUp);
        Thread.sleep(10);
      }
      progress.update(3, 100, System.nanoTime() - 1_000_000_000L);
      LoggerFactory.getLogger("io.pagedstream.ingest.IngestRun").info("Job j: 3 lines so far");
      System.err.println("a message of the command");
    } finally {
      System.setErr(stderr);
    }

    List<String> lines = screen(out);
    assertThat(lines)
        .filteredOn(l -> l.contains("3 lines so far"))
        .singleElement()
        .satisfies(
            l -> assertThat(l).endsWith("Job j: 3 lines so far").doesNotContain("bar-under-test"));
    assertThat(lines).contains("a message of the command");
    assertThat(lines.get(lines.size() - 1)).startsWith("bar-under-test");
  }

  /** What a terminal shows: {@code \r} returns to the line's start and later text overwrites. */
  private static List<String> screen(ByteArrayOutputStream out) {
    List<String> lines = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int column = 0;
    for (char c : out.toString(StandardCharsets.UTF_8).toCharArray()) {
      if (c == '\n') {
        lines.add(current.toString().stripTrailing());
        current.setLength(0);
        column = 0;
      } else if (c == '\r') {
        column = 0;
      } else {
        if (column < current.length()) {
          current.setCharAt(column, c);
        } else {
          current.append(c);
        }
        column++;
      }
    }
    if (!current.toString().isBlank()) {
      lines.add(current.toString().stripTrailing());
    }
    return lines;
  }
}
