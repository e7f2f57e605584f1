package io.sediment.broker;

import org.apache.kafka.common.utils.internals.Exit;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one of Apache Kafka's command-line tools in this JVM, as {@code bin/kafka-*.sh} would run it: through its
 * {@code main}, with stdin fed from a string and stdout captured. {@code Exit.exit} is turned into a return so the
 * tool cannot end the test JVM, and the shutdown hooks it registers through {@code Exit} run when it returns.
 * Calls are serialised: tools share System.in/out.
 */
final class Tool {
    /** What the tool printed and the status it exited with (0 when main returned normally). */
    record Result(int status, String out) {
    }

    private static final class ExitCalled extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        ExitCalled(final int status) {
            super("exit " + status, null, false, false);
            this.status = status;
        }
    }

    private Tool() {
    }

    /** Something a tool does in this JVM, with System.in/out redirected. */
    interface Body {
        void run() throws Exception;
    }

    static Result run(final String mainClass, final String stdin, final String... args) throws Exception {
        return capture(stdin, () -> {
            final Method main = Class.forName(mainClass).getMethod("main", String[].class);
            main.invoke(null, (Object) args);
        });
    }

    static synchronized Result capture(final String stdin, final Body body) throws Exception {
        final PrintStream oldOut = System.out;
        final InputStream oldIn = System.in;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);
        // The first exit ends the tool; some tools catch that and exit again with 1, which must not count.
        final int[] firstExit = {Integer.MIN_VALUE};
        Exit.setExitProcedure((status, message) -> {
            if (firstExit[0] == Integer.MIN_VALUE) {
                firstExit[0] = status;
                throw new ExitCalled(status);
            }
        });
        System.setOut(out);
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        // Shutdown hooks the tool registers (closing its client, printing totals) run when it is done, as they
        // would when its JVM exits.
        final List<Runnable> hooks = new ArrayList<>();
        Exit.setShutdownHookAdder((name, hook) -> hooks.add(hook));
        try {
            try {
                body.run();
            } catch (InvocationTargetException e) {
                if (!(e.getCause() instanceof ExitCalled)) {
                    throw e;
                }
            }
            for (Runnable hook : hooks) {
                hook.run();
            }
        } finally {
            System.setOut(oldOut);
            System.setIn(oldIn);
            Exit.resetExitProcedure();
            Exit.resetShutdownHookAdder();
        }
        out.flush();
        return new Result(firstExit[0] == Integer.MIN_VALUE ? 0 : firstExit[0], captured.toString(StandardCharsets.UTF_8));
    }
}
