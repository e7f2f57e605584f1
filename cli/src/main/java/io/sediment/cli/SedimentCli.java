package io.sediment.cli;

import org.apache.kafka.common.KafkaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * {@code sediment <tool> [options]}: Sediment's command-line tools under one launcher. Each {@code bin/kafka-*.sh}
 * script calls one subcommand, with Kafka's option names, so commands typed from a Kafka tutorial work unchanged,
 * against Sediment or any Kafka cluster (the networked tools speak the protocol through kafka-clients only).
 *
 * <p>Exit codes: 0 success, 1 failure (a message on stderr says why), 2 a usage error (unknown or missing
 * option; the message and a pointer to {@code --help}). {@code log verify} exits 3 when it finds corruption.
 *
 * <p>Threading: {@link #run} runs one command on the calling thread; concurrent runs must use distinct
 * {@link Terminal}s.
 */
@Command(name = "sediment", mixinStandardHelpOptions = true, version = "sediment 0.1.0-SNAPSHOT",
        description = "Sediment's command-line tools (the kafka-*.sh scripts call these).",
        subcommands = {CommandLine.HelpCommand.class})
public final class SedimentCli implements java.util.concurrent.Callable<Integer> {
    private final Terminal terminal;

    private SedimentCli(final Terminal terminal) {
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        terminal.err().println("Missing command. Run 'sediment --help' for the list.");
        return 2;
    }

    public static void main(final String[] args) {
        // kafka-clients logs through slf4j; a tool's output must not be drowned in INFO lines.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        }
        System.exit(run(Terminal.system(), args));
    }

    /** Runs one command line; returns the exit code. */
    static int run(final Terminal terminal, final String... args) {
        final CommandLine cl = commandLine(terminal);
        return cl.execute(args);
    }

    static CommandLine commandLine(final Terminal terminal) {
        final CommandLine cl = new CommandLine(new SedimentCli(terminal));
        cl.addSubcommand("topics", new TopicsCommand(terminal));
        cl.addSubcommand("configs", new ConfigsCommand(terminal));
        cl.addSubcommand("console-producer", new ConsoleProducerCommand(terminal));
        cl.addSubcommand("console-consumer", new ConsoleConsumerCommand(terminal));
        cl.addSubcommand("consumer-groups", new ConsumerGroupsCommand(terminal));
        cl.addSubcommand("verifiable-producer", new VerifiableProducerCommand(terminal));
        cl.addSubcommand("delete-records", new DeleteRecordsCommand(terminal));
        cl.addSubcommand("broker-api-versions", new BrokerApiVersionsCommand(terminal));
        cl.addSubcommand("get-offsets", new GetOffsetsCommand(terminal));
        cl.addSubcommand("log", LogCommand.commandLine(terminal));
        cl.setOut(new PrintWriter(terminal.out(), true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(terminal.err(), true, StandardCharsets.UTF_8));
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CliException ce) {
                terminal.err().println(ce.getMessage());
                return ce.exitCode();
            }
            if (e instanceof KafkaException) {
                // The broker's own message (UnknownTopicOrPartition, InvalidConfig, ...), as Kafka's tools print it.
                terminal.err().println("Error while executing " + commandLine.getCommandName() + " command : "
                        + e.getMessage());
                return 1;
            }
            e.printStackTrace(terminal.err());
            return 1;
        });
        return cl;
    }
}
