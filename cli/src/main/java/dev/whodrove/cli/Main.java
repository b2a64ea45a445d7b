package dev.whodrove.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code whodrove} command. */
@Command(
    name = "whodrove",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Decides, for every privileged Teleport or GCP session, whether a human or an AI agent drove it.",
    subcommands = {
        DemoCommand.class,
        UpCommand.class,
        RunCommand.class,
        ParseCommand.class,
        CorrelateCommand.class,
        LabelCommand.class,
        DlqCommand.class,
        SessionsCommand.class,
        ReplayCommand.class,
        PlotCommand.class,
        SimulateCommand.class,
        ProfilesCommand.class,
        BenchCommand.class,
        TopicsCommand.class,
        BrokerCommand.class,
        ClassArchiveRunCommand.class,
        CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    Object offline = args.length == 0 ? null : switch (args[0]) {
      case "parse" -> new ParseCommand();
      case "class-archive-run" -> new ClassArchiveRunCommand();
      default -> null;
    };
    if (offline != null) {
      // Alone: picocli builds the model of every subcommand it is given, loading the Kafka client classes the
      // others' options name; the offline commands need none of them, and start sooner without them.
      CommandLine cl = configure(new CommandLine(offline).setCommandName("whodrove " + args[0]));
      System.exit(cl.execute(java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    System.exit(commandLine().execute(args));
  }

  /** The configured command line (also used by tests). */
  public static CommandLine commandLine() {
    return configure(new CommandLine(new Main()));
  }

  private static CommandLine configure(CommandLine cl) {
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      // one clear line for the operator; the stack trace only with WHODROVE_DEBUG set
      cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage());
      if (System.getenv("WHODROVE_DEBUG") != null) {
        e.printStackTrace(cmd.getErr());
      }
      return 1;
    });
    return cl;
  }
}
