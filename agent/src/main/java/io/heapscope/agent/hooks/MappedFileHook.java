package io.heapscope.agent.hooks;

import io.heapscope.agent.weave.MethodHook;

import java.util.List;

import static io.heapscope.agent.bootstrap.HeapscopeDispatch.MAP;
import static io.heapscope.agent.bootstrap.HeapscopeDispatch.UNMAP;
import static io.heapscope.agent.weave.Code.*;

/**
 * Memory-mapped files: {@code FileChannel.map}, both the {@code MappedByteBuffer} and the {@code MemorySegment} form
 * (what Lucene's {@code MMapDirectory} uses), pass {@code sun.nio.ch.FileChannelImpl.mapInternal}, which builds an
 * {@code Unmapper} for every mapping: its construction is the mapping (address, capacity; the channel's path is the
 * file), its {@code unmap()} the unmapping (the buffer's cleaner, or the segment's arena closing). A zero-length
 * mapping maps nothing and is not reported. Framework name: {@value #FRAMEWORK}.
 */
public final class MappedFileHook implements FrameworkHook {
    public static final String FRAMEWORK = "mapped";

    @Override
    public String name() {
        return "mapped";
    }

    @Override
    public java.util.List<String> classPrefixes() {
        return java.util.List.of("sun.nio.ch.FileChannelImpl");
    }

    @Override
    public List<MethodHook> methodHooks() {
        try {
            Class.forName("sun.nio.ch.FileChannelImpl$Unmapper", false, null);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("this JDK has no sun.nio.ch.FileChannelImpl$Unmapper", e);
        }
        return List.of(
                // the mapping's scope: carries the file name to the Unmapper built inside it
                MethodHook.in("sun.nio.ch.FileChannelImpl").method("mapInternal").args(5)
                        .atEntry(enterScope(FRAMEWORK, field("path", STRING)))
                        .atExit(exitScope()),
                // Unmapper(address, size, cap, fd, fileOffset)
                MethodHook.in("sun.nio.ch.FileChannelImpl$Unmapper").constructor().args(5)
                        .atReturn(event(FRAMEWORK, MAP, arg(0), arg(2), NULL)),
                MethodHook.in("sun.nio.ch.FileChannelImpl$Unmapper").method("unmap").descriptor("()V")
                        .atEntry(when(notZero(field("address", LONG)),
                                event(FRAMEWORK, UNMAP, field("address", LONG), field("cap", LONG), NULL))));
    }
}
