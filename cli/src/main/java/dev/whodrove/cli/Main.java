package dev.whodrove.cli;

import dev.whodrove.runtime.ConfigException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code whodrove} command. */
@Command(
    name = "whodrove",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {"Decides, for every privileged Teleport or GCP session, whether a human or an AI agent drove it.",
        "Results go to standard output, progress, warnings and errors to standard error."},
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
        BackfillCommand.class,
        PlotCommand.class,
        SimulateCommand.class,
        ProfilesCommand.class,
        BenchCommand.class,
        TopicsCommand.class,
        ExportCommand.class,
        BrokerCommand.class,
        ClassArchiveRunCommand.class,
        CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  /** The command did what it was asked. */
  public static final int EXIT_OK = 0;
  /** It failed: the reason is one line on standard error (the stack trace too with WHODROVE_DEBUG set). */
  public static final int EXIT_FAILED = 1;
  /** The command line or the configuration is wrong: an unknown option, a missing or invalid key. */
  public static final int EXIT_USAGE = 2;

  /** What every command's --help lists under "Exit codes" unless the command lists its own. */
  static final Map<String, String> EXIT_CODES = exitCodes();

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

  private static Map<String, String> exitCodes() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(Integer.toString(EXIT_OK), "done");
    m.put(Integer.toString(EXIT_FAILED), "failed; the reason is on standard error (WHODROVE_DEBUG=1 adds the stack "
        + "trace)");
    m.put(Integer.toString(EXIT_USAGE), "invalid command line or configuration (an unknown option, a missing or "
        + "invalid key)");
    return m;
  }

  /** The configured command line (also used by tests). */
  public static CommandLine commandLine() {
    return configure(new CommandLine(new Main()));
  }

  private static CommandLine configure(CommandLine cl) {
    documentExitCodes(cl);
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      // one clear line for the operator; the stack trace only with WHODROVE_DEBUG set
      cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage());
      if (System.getenv("WHODROVE_DEBUG") != null) {
        e.printStackTrace(cmd.getErr());
      }
      return e instanceof ConfigException ? EXIT_USAGE : EXIT_FAILED;
    });
    return cl;
  }

  /** Every command's --help ends with its exit codes: its own list, or {@link #EXIT_CODES}. */
  private static void documentExitCodes(CommandLine cl) {
    CommandLine.Model.UsageMessageSpec usage = cl.getCommandSpec().usageMessage();
    if (usage.exitCodeList().isEmpty()) {
      usage.exitCodeList(EXIT_CODES);
    }
    if (usage.exitCodeListHeading() == null || usage.exitCodeListHeading().isEmpty()) {
      usage.exitCodeListHeading("%nExit codes:%n");
    }
    cl.getSubcommands().values().forEach(Main::documentExitCodes);
  }
}
