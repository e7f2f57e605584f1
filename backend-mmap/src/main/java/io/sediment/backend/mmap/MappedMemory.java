package io.sediment.backend.mmap;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;

/**
 * Releases a file mapping now rather than when the garbage collector gets round to it.
 *
 * <p>Java has no public unmap. {@code sun.misc.Unsafe#invokeCleaner(ByteBuffer)} (module {@code jdk.unsupported},
 * which every class path application reads and whose package {@code sun.misc} is open) runs the buffer's cleaner,
 * which calls {@code munmap}; it needs no {@code --add-opens} or {@code --add-exports}. It is looked up reflectively
 * so that javac has no internal-API warning to print. If the lookup fails (a JDK without {@code jdk.unsupported}),
 * one warning is logged and mappings are left to the garbage collector: correct, only later.
 *
 * <p>Unmapping is the one operation here that can crash the JVM: touching a buffer after its mapping is gone
 * reads unmapped memory. Callers therefore release a mapping exactly once, only from {@code close()}, after the
 * engine has promised that no reader can touch the segment any more ({@link io.sediment.api.spi.SegmentFiles}).
 *
 * <p>Threading: stateless after class initialisation; safe from any thread.
 */
final class MappedMemory {
    private static final System.Logger LOG = System.getLogger(MappedMemory.class.getName());

    /** {@code Unsafe.invokeCleaner} bound to the Unsafe instance, or null when unavailable. */
    private static final MethodHandle INVOKE_CLEANER = findInvokeCleaner();

    private MappedMemory() {
    }

    /** Whether mappings are released deterministically (true on every OpenJDK 9+ with {@code jdk.unsupported}). */
    static boolean releasesDeterministically() {
        return INVOKE_CLEANER != null;
    }

    /**
     * Unmaps {@code mapping}, which must be a buffer returned by {@code FileChannel.map} (not a slice or duplicate).
     * Every slice, duplicate and view of it becomes unusable.
     */
    static void release(final MappedByteBuffer mapping) {
        if (INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invokeExact((ByteBuffer) mapping);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("unmapping failed", t);
        }
    }

    private static MethodHandle findInvokeCleaner() {
        try {
            final Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            final Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            final Object unsafe = theUnsafe.get(null);
            final MethodHandle handle = MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(unsafe);
            LOG.log(System.Logger.Level.DEBUG, "mmap backend: mappings are released on close with Unsafe.invokeCleaner");
            return handle;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "mmap backend: sun.misc.Unsafe.invokeCleaner is unavailable ("
                    + e + "); mappings will be released by the garbage collector instead of on close");
            return null;
        }
    }
}
