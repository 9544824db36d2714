package io.heapscope.agent.weave;

import io.heapscope.agent.bootstrap.HeapscopeDispatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static io.heapscope.agent.bootstrap.HeapscopeDispatch.ALLOCATE;
import static io.heapscope.agent.bootstrap.HeapscopeDispatch.FREE;
import static io.heapscope.agent.weave.Code.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The weaver on small classes ({@code weavetarget}): each is woven by the transformer as a fresh class loader defines
 * it (so the JVM verifies the result), then run; the dispatcher must see exactly the expected events, the methods
 * must return and throw what they did, and the scopes must be left balanced.
 */
class WeaverTest {
    private static final String BUFFERS = "weavetarget.Buffers";

    record Seen(String framework, int kind, long address, long size, Object context, String attribute) {
    }

    private final List<Seen> seen = new ArrayList<>();
    private final List<String> hooked = new ArrayList<>();
    private final List<String> failed = new ArrayList<>();

    @BeforeEach
    void install() {
        HeapscopeDispatch.install((framework, kind, address, size, context, inner, attribute, allocations) ->
                seen.add(new Seen(framework, kind, address, size, context, attribute)));
        HeapscopeDispatch.activate(true);
    }

    @AfterEach
    void uninstall() {
        HeapscopeDispatch.activate(false);
        HeapscopeDispatch.install(null);
    }

    private final Weaver.Listener listener = new Weaver.Listener() {
        @Override
        public void hooked(String className) {
            hooked.add(className);
        }

        @Override
        public void failed(String className, Throwable error) {
            failed.add(className + ": " + error);
        }
    };

    /** Defines the weavetarget classes itself (child first), through the weaver as an agent would. */
    static final class WovenLoader extends ClassLoader {
        private final Weaver weaver;

        WovenLoader(Weaver weaver) {
            super(WeaverTest.class.getClassLoader());
            this.weaver = weaver;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("weavetarget.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    byte[] bytes = classFile(getParent(), name);
                    byte[] woven = weaver.transform(this, name.replace('.', '/'), null, null, bytes);
                    byte[] used = woven != null ? woven : bytes;
                    c = defineClass(name, used, 0, used.length);
                }
                return c;
            }
        }
    }

    static byte[] classFile(ClassLoader loader, String name) {
        try (InputStream in = loader.getResourceAsStream(name.replace('.', '/') + ".class")) {
            if (in == null) {
                throw new IllegalArgumentException("no class file for " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Class<?> woven(MethodHook... hooks) throws ClassNotFoundException {
        return new WovenLoader(new Weaver(List.of(hooks), listener)).loadClass(BUFFERS);
    }

    private static Object call(Object target, String method, Object... args) throws Throwable {
        for (java.lang.reflect.Method m : target.getClass().getMethods()) {
            if (m.getName().equals(method) && m.getParameterCount() == args.length) {
                try {
                    return m.invoke(target, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
        }
        throw new NoSuchMethodException(method);
    }

    private static Object buffers(Class<?> c, int capacity) throws ReflectiveOperationException {
        return c.getConstructor(int.class).newInstance(capacity);
    }

    @Test
    void constructorReturnReadsAFieldAndAnArgument() throws Exception {
        Class<?> c = woven(MethodHook.in(BUFFERS).constructor("(I)V")
                .atReturn(event("t", ALLOCATE, field("address"), arg(0), NULL)));
        buffers(c, 64);
        assertEquals(List.of(new Seen("t", ALLOCATE, 42, 64, null, null)), seen);
        assertEquals(List.of(BUFFERS), hooked);
        assertEquals(List.of(), failed);
    }

    @Test
    void everyExitRunsTheExitCodeAndExceptionsStillPropagate() throws Throwable {
        Class<?> c = woven(MethodHook.in(BUFFERS).method("allocate").args(LONG)
                .atEntry(enterScope("t", constant("attr")))
                .atExit(when(equal(entered(), 1), event("t", ALLOCATE, returned(), arg(0), self())), exitScope()));
        Object b = buffers(c, 1);
        assertEquals(50L, call(b, "allocate", 8L));
        assertEquals(0L, call(b, "allocate", 0L));
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, () -> call(b, "allocate", -3L));
        assertEquals("negative: -3", thrown.getMessage(), "the original exception, unchanged");
        assertEquals(List.of(new Seen("t", ALLOCATE, 50, 8, b, "attr"), new Seen("t", ALLOCATE, 0, 0, b, "attr"),
                new Seen("t", ALLOCATE, 0, -3, b, "attr")), seen, "the exit by exception sees the default result");
        assertFalse(HeapscopeDispatch.nested(), "every scope exited");
    }

    @Test
    void returnCodeRunsAtNormalReturnsOnly() throws Throwable {
        Class<?> c = woven(MethodHook.in(BUFFERS).method("allocate").args(LONG)
                .atReturn(when(notZero(returned()), event("t", ALLOCATE, returned(), arg(0), NULL))));
        Object b = buffers(c, 1);
        assertEquals(43L, call(b, "allocate", 1L));
        assertEquals(0L, call(b, "allocate", 0L));
        assertThrows(IllegalArgumentException.class, () -> call(b, "allocate", -1L));
        assertEquals(List.of(new Seen("t", ALLOCATE, 43, 1, null, null)), seen);
    }

    @Test
    void wovenCodeThatThrowsLeavesTheMethodWorking() throws Throwable {
        Class<?> c = woven(
                MethodHook.in(BUFFERS).method("allocate").args(LONG)
                        .atEntry(enterScope("t", NULL))
                        .atExit(event("t", ALLOCATE, self().call(BUFFERS, "explode", "()I"), arg(0), NULL),
                                exitScope()),
                MethodHook.in(BUFFERS).method("make")
                        // a ClassCastException for a String result
                        .atReturn(event("t", FREE, ZERO, returned().call("java.lang.Integer", "intValue", "()I"), NULL)));
        Object b = buffers(c, 1);
        assertEquals(50L, call(b, "allocate", 8L));
        assertEquals(1, b.getClass().getField("explodes").getInt(b), "the woven call ran, and threw");
        assertFalse(HeapscopeDispatch.nested(), "the next statement (exitScope) still ran");
        assertEquals("text", call(b, "make", 1));
        assertThrows(IllegalArgumentException.class, () -> call(b, "allocate", -1L));
        assertFalse(HeapscopeDispatch.nested());
        assertEquals(List.of(), seen);
        assertEquals(List.of(), failed);
    }

    @Test
    void everyKindOfMethodKeepsItsResults() throws Throwable {
        Class<?> c = woven(
                MethodHook.in(BUFFERS).method("sum").args(LONG, INT) // static; an int argument widened
                        .atReturn(event("t", ALLOCATE, returned(), arg(1), NULL)),
                MethodHook.in(BUFFERS).method("average") // synchronized, double result
                        .atExit(event("t", FREE, ZERO, arg(1), NULL)),
                MethodHook.in(BUFFERS).method("make") // three returns, a null among them
                        .atReturn(when(notNull(returned()), event("t", ALLOCATE, ZERO, arg(0), returned()))),
                MethodHook.in(BUFFERS).method("parse") // its own exception handler
                        .atEntry(enterScope("t", NULL))
                        .atExit(event("t", ALLOCATE, ZERO, returned(), NULL), exitScope()));
        Object b = buffers(c, 1);
        assertEquals(8L, c.getMethod("sum", long.class, int.class).invoke(null, 5L, 3));
        assertEquals(2.5, call(b, "average", 5L, 2));
        assertNull(call(b, "make", 0));
        assertEquals("text", call(b, "make", 1));
        Object built = call(b, "make", 2);
        assertEquals("built", built.toString());
        assertEquals(12, call(b, "parse", "12"));
        assertEquals(-1, call(b, "parse", "x"));
        assertEquals(List.of(new Seen("t", ALLOCATE, 8, 3, null, null), new Seen("t", FREE, 0, 2, null, null),
                new Seen("t", ALLOCATE, 0, 1, "text", null), new Seen("t", ALLOCATE, 0, 2, built, null),
                new Seen("t", ALLOCATE, 0, 12, null, null), new Seen("t", ALLOCATE, 0, -1, null, null)), seen);
        assertFalse(HeapscopeDispatch.nested());
    }

    @Test
    void severalMethodNames() throws Throwable {
        Class<?> c = woven(MethodHook.in(BUFFERS).method("depth", "sum").atReturn(event("t", FREE, ZERO, returned(), NULL)));
        assertEquals(0, call(buffers(c, 1), "depth", 0));
        assertEquals(3L, c.getMethod("sum", long.class, int.class).invoke(null, 1L, 2));
        assertEquals(List.of(new Seen("t", FREE, 0, 0, null, null), new Seen("t", FREE, 0, 3, null, null)), seen);
    }

    @Test
    void nestedCallsReportOnceAtTheOutermostScope() throws Throwable {
        Class<?> c = woven(MethodHook.in(BUFFERS).method("depth")
                .atEntry(enterScope("t", NULL))
                .atExit(when(equal(entered(), 1), event("t", ALLOCATE, ZERO, returned(), NULL)), exitScope()));
        assertEquals(3, call(buffers(c, 1), "depth", 3));
        assertEquals(List.of(new Seen("t", ALLOCATE, 0, 3, null, null)), seen);
        assertFalse(HeapscopeDispatch.nested());
    }

    @Test
    void rememberedConditionsLocalsAndArithmetic() throws Throwable {
        Class<?> c = woven(MethodHook.in(BUFFERS).method("free").descriptor("()V")
                .atEntry(remember(and(notZero(field("address")), not(same(self(), NULL)))))
                .atReturn(when(notZero(entered()), let(self().call(BUFFERS, "capacity", "()I"),
                        capacity -> when(positive(capacity), event("t", FREE, ZERO, capacity.times(constant(2)), NULL))))));
        Object b = buffers(c, 16);
        call(b, "free");
        call(b, "free"); // the address is 0 now: remembered as not linked
        Object empty = buffers(c, 0);
        call(empty, "free"); // capacity 0: not positive
        assertEquals(List.of(new Seen("t", FREE, 0, 32, null, null)), seen);
    }

    @Test
    void classesAreSelectedByNameSuperTypeAndLoader() throws Throwable {
        MethodHook release = MethodHook.inClasses("weavetarget.", name -> !name.endsWith("Buffers"))
                .extending("weavetarget.Base").method("release").descriptor("()V")
                .atEntry(event("t", FREE, ZERO, ZERO, NULL));
        MethodHook free = MethodHook.in(BUFFERS).method("free").onlyIf(loader -> false)
                .atEntry(event("t", FREE, ZERO, constant(1), NULL));
        WovenLoader loader = new WovenLoader(new Weaver(List.of(release, free), listener));
        Object b = buffers(loader.loadClass(BUFFERS), 1);
        loader.loadClass("weavetarget.Other").getConstructor().newInstance();
        call(b, "release");
        assertEquals(List.of("weavetarget.Base"), hooked, "Base (abstract free skipped); Other is no Base; the loader"
                + " check keeps Buffers.free unwoven");
        assertEquals(List.of(new Seen("t", FREE, 0, 0, null, null)), seen);
    }

    @Test
    void theTransformerLeavesAloneWhatItMustNotTouch() throws Exception {
        MethodHook any = MethodHook.inClasses("", name -> true).method("free").atEntry(event("t", FREE, ZERO, ZERO, NULL));
        byte[] bytes = classFile(getClass().getClassLoader(), BUFFERS);
        Weaver[] self = new Weaver[1];
        List<byte[]> reentrant = new ArrayList<>();
        self[0] = new Weaver(List.of(any), new Weaver.Listener() {
            @Override
            public void hooked(String className) {
                // the weaver is still at work on this thread: a class loaded now is not woven
                reentrant.add(self[0].transform(null, "weavetarget/Buffers", null, null, bytes));
            }

            @Override
            public void failed(String className, Throwable error) {
                failed.add(className);
            }
        });
        assertNull(self[0].transform(null, "io/heapscope/agent/X", null, null, bytes), "the agent's own classes");
        assertNull(self[0].transform(null, null, null, null, bytes), "a class without a name");
        assertTrue(self[0].transform(getClass().getClassLoader(), "weavetarget/Buffers", null, null, bytes) != null);
        assertEquals(1, reentrant.size());
        assertNull(reentrant.getFirst(), "no weaving inside the weaver");
        assertFalse(new Weaver(List.of(MethodHook.in(BUFFERS).method("free")), listener).mayHook("weavetarget.Other"));
    }

    @Test
    void aFailureLeavesTheClassAsItWasAndIsReported() throws Throwable {
        Class<?> c = woven(MethodHook.in(BUFFERS).method("free").atEntry(event("t", FREE, field("nope"), ZERO, NULL)));
        assertEquals(List.of(), hooked);
        assertEquals(1, failed.size());
        assertTrue(failed.getFirst().startsWith(BUFFERS + ": ") && failed.getFirst().contains("nope"), failed.getFirst());
        Object b = buffers(c, 1);
        call(b, "free");
        assertEquals(0L, b.getClass().getField("address").getLong(b), "the class works, unwoven");
        assertEquals(List.of(), seen);
    }

    @Test
    void constructorsTakeReturnCodeOnly() {
        assertThrows(IllegalStateException.class, () -> MethodHook.in(BUFFERS).constructor().atExit(exitScope()));
        assertThrows(IllegalStateException.class, () -> MethodHook.in(BUFFERS).constructor().atEntry(exitScope()));
    }

    @Test
    void nothingWovenWhenNoMethodMatches() {
        Weaver w = new Weaver(List.of(MethodHook.in(BUFFERS).method("allocate").args(INT)
                .atEntry(event("t", FREE, ZERO, ZERO, NULL))), listener);
        assertNull(w.weave(getClass().getClassLoader(), "weavetarget/Buffers",
                classFile(getClass().getClassLoader(), BUFFERS)));
        Predicate<String> never = name -> false;
        assertNull(new Weaver(List.of(MethodHook.inClasses("weavetarget.", never).method("free")), listener)
                .weave(null, "weavetarget/Buffers", classFile(getClass().getClassLoader(), BUFFERS)));
        assertSame(0, hooked.size());
    }
}
