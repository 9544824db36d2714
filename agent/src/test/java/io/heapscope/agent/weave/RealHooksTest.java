package io.heapscope.agent.weave;

import io.heapscope.agent.hooks.FrameworkHook;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every method hook of every framework hook, woven into the real classes it targets (the JDK's; Netty 4.2 from the
 * test class path and 4.1 from its own loader; JavaCPP; LWJGL), read from their loaders as an agent sees them:
 * each hook changes at least one class, and the class-file API's verifier accepts every result. The child-JVM tests
 * (FrameworksIT, AgentIT) run them.
 */
class RealHooksTest {
    private static final String BUF = "io.netty.buffer.";
    private static final List<String> JDK = List.of("java.nio.DirectByteBuffer", "java.nio.DirectByteBuffer$Deallocator",
            "sun.misc.Unsafe", "jdk.internal.foreign.SegmentFactories", "sun.nio.ch.FileChannelImpl",
            "sun.nio.ch.FileChannelImpl$Unmapper");
    private static final List<String> NETTY = List.of(BUF + "PoolArena", BUF + "PoolArena$DirectArena",
            BUF + "PoolArena$HeapArena", BUF + "UnpooledByteBufAllocator", BUF + "UnpooledDirectByteBuf",
            BUF + "UnpooledUnsafeDirectByteBuf", BUF + "UnpooledUnsafeNoCleanerDirectByteBuf",
            BUF + "UnpooledHeapByteBuf", BUF + "UnpooledByteBufAllocator$InstrumentedUnpooledUnsafeDirectByteBuf",
            BUF + "AdaptivePoolingAllocator", BUF + "AdaptiveByteBufAllocator$DirectChunkAllocator",
            BUF + "AdaptivePoolingAllocator$Chunk", BUF + "AdaptivePoolingAllocator$AdaptiveByteBuf",
            "io.netty.util.internal.CleanerJava24Linker");
    private static final List<String> OTHERS = List.of("org.bytedeco.javacpp.Pointer$DeallocatorReference",
            "org.lwjgl.system.MemoryUtil");

    private final Map<String, List<String>> failures = new LinkedHashMap<>();

    /** Weaves {@code hook} into every class of {@code names} it applies to; returns how many it changed. */
    private int weave(MethodHook hook, ClassLoader loader, List<String> names) throws IOException {
        Weaver weaver = new Weaver(List.of(hook), null);
        ClassLoader resources = loader != null ? loader : ClassLoader.getPlatformClassLoader();
        ClassFile verifier = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
                ClassHierarchyResolver.ofResourceParsing(resources)));
        int changed = 0;
        for (String name : names) {
            if (!weaver.mayHook(name)) {
                continue;
            }
            byte[] bytes;
            try (InputStream in = resources.getResourceAsStream(name.replace('.', '/') + ".class")) {
                assertNotNull(in, name);
                bytes = in.readAllBytes();
            }
            byte[] woven = weaver.weave(loader, name.replace('.', '/'), bytes);
            if (woven != null) {
                changed++;
                List<VerifyError> errors = verifier.verify(woven);
                if (!errors.isEmpty()) {
                    failures.computeIfAbsent(name, k -> new ArrayList<>()).add(errors.toString());
                }
            }
        }
        return changed;
    }

    @Test
    void everyHookWeavesVerifiableCode() throws Exception {
        List<FrameworkHook> hooks = new ArrayList<>();
        ServiceLoader.load(FrameworkHook.class).forEach(hooks::add);
        assertEquals(7, hooks.size(), "the seven framework hooks");
        Path netty41 = Path.of("target", "netty-4.1");
        List<URL> jars = new ArrayList<>();
        if (Files.isDirectory(netty41)) {
            try (Stream<Path> files = Files.list(netty41)) {
                for (Path p : files.filter(p -> p.toString().endsWith(".jar")).toList()) {
                    jars.add(p.toUri().toURL());
                }
            }
        }
        // Netty 4.1 in a loader of its own (parent: the platform loader, so 4.2 on the class path stays unseen)
        try (URLClassLoader old = new URLClassLoader(jars.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            ClassLoader app = getClass().getClassLoader();
            for (FrameworkHook h : hooks) {
                for (MethodHook m : h.methodHooks()) {
                    int changed = weave(m, null, JDK) + weave(m, app, NETTY) + weave(m, app, OTHERS);
                    if (!jars.isEmpty() && m.classPrefix().startsWith(BUF)) {
                        int before41 = changed;
                        changed += weave(m, old, NETTY);
                        boolean adaptiveOnly42 = m.classPrefix().contains("Adaptive")
                                && old.getResource("io/netty/buffer/AdaptivePoolingAllocator.class") == null;
                        assertTrue(changed > before41 || adaptiveOnly42, "Netty 4.1 " + h.name() + ": " + m);
                    }
                    assertTrue(changed > 0, h.name() + " hooks nothing: " + m);
                }
            }
        }
        assertEquals(Map.of(), failures, "the verifier's findings");
    }
}
