package io.pagedstream.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./pagedstream} launcher: one subcommand per job or service. */
@Command(
    name = "pagedstream",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Offline bulk LLM generation on Apache Kafka with a paged-attention engine.",
    subcommands = {
      GenerateCommand.class,
      BenchCommand.class,
      MakeModelCommand.class,
      ConvertModelCommand.class,
      PlanCommand.class,
      ProcessorCommand.class,
      BatcherCommand.class,
      IngestCommand.class,
      RunCommand.class,
      StatusCommand.class,
      DemoCommand.class,
      ChaosCommand.class,
      CommandLine.HelpCommand.class
    })
public final class PagedStream implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, shared by main and the tests. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new PagedStream());
    cl.setExecutionExceptionHandler(new OneLineErrors());
    return cl;
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
