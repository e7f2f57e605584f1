package io.sediment.bench.engine;

import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What every benchmark of the engine suite shares (JMH reads these annotations from the superclass): one fork per
 * benchmark and peer with a 1 GiB heap and the JVM flags the peers need, and the default iteration counts, which
 * the suite's command line overrides.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g",
        // lmdbjava's ByteBuffer proxy (sediment-lmdb); Sediment's mmap backend and engine neither need nor notice them
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
        // Chronicle Queue's (/work/shared/DEPENDENCIES.md and its own startup check)
        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
        // never phone home (chronicle-analytics is also excluded from the build)
        "-Dchronicle.analytics.disable=true"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public abstract class EngineBenchmark {
    /** {@code max.message.bytes} for Sediment and Kafka: above the largest batch of the suite (256 x 16 KiB). */
    static final int LARGEST_BATCH = 8 << 20;
}
