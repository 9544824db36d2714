package io.heapscope.agent.hooks;

import io.heapscope.agent.bootstrap.HeapscopeDispatch;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

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
    public String testedWith() {
        return "JDK 25; Lucene 10 MMapDirectory";
    }

    @Override
    public java.util.List<String> classPrefixes() {
        return java.util.List.of("sun.nio.ch.FileChannelImpl");
    }

    @Override
    public AgentBuilder install(AgentBuilder builder) {
        try {
            Class.forName("sun.nio.ch.FileChannelImpl$Unmapper", false, null);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("this JDK has no sun.nio.ch.FileChannelImpl$Unmapper", e);
        }
        return builder
                .type(named("sun.nio.ch.FileChannelImpl"))
                .transform((b, t, l, m, d) -> b.visit(Advice.to(MapAdvice.class)
                        .on(named("mapInternal").and(takesArguments(5)))))
                .type(named("sun.nio.ch.FileChannelImpl$Unmapper"))
                .transform((b, t, l, m, d) -> b
                        .visit(Advice.to(UnmapperAdvice.class).on(isConstructor().and(takesArguments(5))))
                        .visit(Advice.to(UnmapAdvice.class).on(named("unmap").and(takesArguments(0)))));
    }

    /** The mapping's scope: carries the file name to the Unmapper built inside it. */
    static final class MapAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static int enter(@Advice.FieldValue("path") String path) {
            return HeapscopeDispatch.enter("mapped", path);
        }

        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.Enter int token) {
            HeapscopeDispatch.exit(token);
        }
    }

    static final class UnmapperAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Argument(0) long address, @Advice.Argument(2) long capacity) {
            HeapscopeDispatch.event("mapped", HeapscopeDispatch.MAP, address, capacity, null);
        }
    }

    static final class UnmapAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.FieldValue("address") long address, @Advice.FieldValue("cap") long capacity) {
            if (address != 0) {
                HeapscopeDispatch.event("mapped", HeapscopeDispatch.UNMAP, address, capacity, null);
            }
        }
    }
}
