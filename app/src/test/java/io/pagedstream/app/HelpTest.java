package io.pagedstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --help} works on the launcher and on every subcommand. */
class HelpTest {

  @Test
  void everyCommandHasHelp() {
    CommandLine root = PagedStream.commandLine();
    assertThat(root.getSubcommands().keySet())
        .contains(
            "demo",
            "generate",
            "run",
            "ingest",
            "batcher",
            "processor",
            "status",
            "plan",
            "bench",
            "make-model",
            "convert-model");
    assertThat(help(root, "--help"))
        .contains("Usage: pagedstream")
        .contains("generate")
        .contains("demo");
    for (String name : root.getSubcommands().keySet()) {
      if (name.equals("help")) {
        continue;
      }
      String out = help(PagedStream.commandLine(), name, "--help");
      assertThat(out).as(name).contains("Usage: pagedstream " + name);
    }
  }

  private static String help(CommandLine cl, String... args) {
    StringWriter out = new StringWriter();
    cl.setOut(new PrintWriter(out));
    assertThat(cl.execute(args)).as(String.join(" ", args)).isZero();
    return out.toString();
  }
}
