package io.sediment.cli;

import org.apache.kafka.common.utils.internals.Exit;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a command line in this JVM and captures what it printed: ours through {@link SedimentCli#run}, Kafka's
 * (kafka-tools 4.4.0) through its {@code main} with System.in/out/err redirected and {@code Exit} turned into a
 * return. Kafka's tools share System streams, so those runs are serialised.
 */
final class Run {
    record Result(int status, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Run() {
    }

    static Result sedimentWithInput(final String stdin, final String... args) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        final PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        final int status = SedimentCli.run(new Terminal(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                o, e, false), args);
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Result sediment(final String... args) {
        return sedimentWithInput("", args);
    }

    private static final class ExitCalled extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ExitCalled() {
            super("exit", null, false, false);
        }
    }

    static synchronized Result kafka(final String mainClass, final String stdin, final String... args) throws Exception {
        final PrintStream oldOut = System.out;
        final PrintStream oldErr = System.err;
        final InputStream oldIn = System.in;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int[] status = {Integer.MIN_VALUE};
        Exit.setExitProcedure((code, message) -> {
            if (status[0] == Integer.MIN_VALUE) {
                status[0] = code;
                throw new ExitCalled();
            }
        });
        final List<Runnable> hooks = new ArrayList<>();
        Exit.setShutdownHookAdder((name, hook) -> hooks.add(hook));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            try {
                Class.forName(mainClass).getMethod("main", String[].class).invoke(null, (Object) args);
            } catch (InvocationTargetException e) {
                if (!(e.getCause() instanceof ExitCalled)) {
                    throw e;
                }
            }
            for (Runnable hook : hooks) {
                hook.run();
            }
        } finally {
            System.out.flush();
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
            Exit.resetExitProcedure();
            Exit.resetShutdownHookAdder();
        }
        return new Result(status[0] == Integer.MIN_VALUE ? 0 : status[0], out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }
}
