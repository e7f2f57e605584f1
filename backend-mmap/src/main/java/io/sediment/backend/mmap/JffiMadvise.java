package io.sediment.backend.mmap;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.LastError;
import com.kenai.jffi.Library;
import com.kenai.jffi.MemoryIO;
import com.kenai.jffi.PageManager;
import com.kenai.jffi.Type;

import java.nio.ByteBuffer;

/**
 * {@code madvise(2)} through jffi, the small native-call layer under jnr-ffi (which lmdbjava uses), called with
 * jffi's raw invoker: no generated stub classes, no ASM, two small jars.
 *
 * <p>The only class here that names a jffi type, and only {@link PageDropper}'s loader thread loads it, so the
 * backend's classes load and run without jffi on the class path (an embedder may exclude it; pages then stay mapped
 * until close, as before).
 *
 * <p>Threading: immutable after construction; {@link #dontNeed} from any thread.
 */
final class JffiMadvise {
    /** {@code MADV_DONTNEED} in Linux's {@code asm-generic/mman-common.h} (the value on every JVM architecture). */
    private static final int MADV_DONTNEED = 4;

    private final Invoker invoker = Invoker.getInstance();
    private final MemoryIO memory = MemoryIO.getInstance();
    private final CallContext context;
    private final long function;
    private final long pageSize;

    private JffiMadvise(final long function) {
        this.function = function;
        this.context = CallContext.getCallContext(Type.SINT, new Type[] {Type.POINTER, Type.ULONG, Type.SINT},
                CallingConvention.DEFAULT, true);
        this.pageSize = PageManager.getInstance().pageSize();
    }

    /** Loads jffi's native library and finds {@code madvise} in the process (libc is always loaded). */
    static JffiMadvise load() {
        final long function = Library.getDefault().getSymbolAddress("madvise");
        if (function == 0) {
            throw new UnsatisfiedLinkError("no madvise symbol in the process: " + Library.getLastError());
        }
        return new JffiMadvise(function);
    }

    long pageSize() {
        return pageSize;
    }

    /**
     * {@code madvise(base + from, to - from, MADV_DONTNEED)} where base is the start of {@code mapping} (page-aligned:
     * every mapping here starts at file offset 0), with {@code from} and {@code to} already page-aligned.
     *
     * @return 0, or the {@code errno} of a failed call
     */
    int dontNeed(final ByteBuffer mapping, final long from, final long to) {
        final long base = memory.getDirectBufferAddress(mapping);
        final long result = invoker.invokeN3(context, function, base + from, to - from, MADV_DONTNEED);
        return (int) result == 0 ? 0 : LastError.getInstance().get();
    }
}
