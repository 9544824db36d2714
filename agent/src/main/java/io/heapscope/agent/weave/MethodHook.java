package io.heapscope.agent.weave;

import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What a hook weaves into one method (or a family of them): which classes (an exact name, or a prefix and a name
 * test, optionally only subtypes of a given type, only in class loaders a library check accepts), which methods
 * (names, argument count or types; abstract and native methods never), and the {@link Code} statements that run
 * at the method's entry, at its normal returns, and at every exit including an exception. Built fluently:
 *
 * <pre>{@code
 * MethodHook.in("java.nio.DirectByteBuffer").constructor("(I)V")
 *         .atReturn(event("jdk.direct", ALLOCATE, field("address", LONG), arg(0), NULL))
 * }</pre>
 *
 * <p>Semantics, as Byte Buddy's suppressing advice had them: entry statements run before the original code, the
 * int {@link Code#entered()} starts at 0; {@link #atReturn} statements run before each normal return,
 * {@link #atExit} statements then too and also when the method throws (after them the exception is rethrown
 * unchanged, {@link Code#returned()} is then the default value); every top-level statement is guarded by its own
 * catch-all that drops anything it throws. Nothing is added but code: no field, no method (retransformation-safe).
 */
public final class MethodHook {
    private final String classPrefix;
    /** The class name's test after the prefix; null: the name is the prefix. */
    private final Predicate<String> className;
    private String superType;
    private Predicate<ClassLoader> library;
    private Set<String> names = Set.of();
    private String descriptor;
    private int argCount = -1;
    private final List<ClassDesc[]> argTypes = new ArrayList<>();
    private final List<Code.Statement> entry = new ArrayList<>();
    private final List<Code.Statement> onReturn = new ArrayList<>();
    private final List<Code.Statement> onExit = new ArrayList<>();

    private MethodHook(String classPrefix, Predicate<String> className) {
        this.classPrefix = classPrefix;
        this.className = className;
    }

    /** Methods of the class with this binary name ({@code java.nio.DirectByteBuffer}, {@code a.B$C}). */
    public static MethodHook in(String className) {
        return new MethodHook(className, null);
    }

    /** Methods of every class whose binary name starts with {@code prefix} and passes {@code test}. */
    public static MethodHook inClasses(String prefix, Predicate<String> test) {
        return new MethodHook(prefix, Objects.requireNonNull(test));
    }

    /** Only classes that extend or implement this type (directly or not), found without loading any class. */
    public MethodHook extending(String typeName) {
        this.superType = typeName;
        return this;
    }

    /** Only in class loaders this accepts (e.g. {@code Library.has(...)}: the library version the code is for). */
    public MethodHook onlyIf(Predicate<ClassLoader> loaders) {
        this.library = Objects.requireNonNull(loaders);
        return this;
    }

    /** Methods with any of these names (and any descriptor unless narrowed). */
    public MethodHook method(String... methodNames) {
        this.names = Set.of(methodNames);
        return this;
    }

    /** Only methods of this descriptor, e.g. {@code "()V"}. */
    public MethodHook descriptor(String methodDescriptor) {
        this.descriptor = methodDescriptor;
        return this;
    }

    /** Constructors (narrowed with {@link #args}). Only {@link #atReturn} code: {@code this} is not built at
     *  entry, and an exit by exception has no object to report. */
    public MethodHook constructor() {
        return method("<init>");
    }

    /** The constructor of this descriptor, e.g. {@code "(I)V"} (see {@link #constructor()}). */
    public MethodHook constructor(String constructorDescriptor) {
        return method("<init>").descriptor(constructorDescriptor);
    }

    /** Only methods taking this many arguments. */
    public MethodHook args(int count) {
        this.argCount = count;
        return this;
    }

    /** Only methods whose argument {@code index} is of this type. */
    public MethodHook arg(int index, ClassDesc type) {
        ClassDesc[] at = new ClassDesc[index + 1];
        at[index] = type;
        argTypes.add(at);
        return this;
    }

    /** Only methods taking exactly these argument types. */
    public MethodHook args(ClassDesc... types) {
        args(types.length);
        for (int i = 0; i < types.length; i++) {
            arg(i, types[i]);
        }
        return this;
    }

    /** Runs before the original code. */
    public MethodHook atEntry(Code.Statement... statements) {
        noConstructor();
        entry.addAll(List.of(statements));
        return this;
    }

    /** Runs at every normal return (after the original code computed the result). */
    public MethodHook atReturn(Code.Statement... statements) {
        onReturn.addAll(List.of(statements));
        return this;
    }

    /** Runs at every exit: normal returns and exceptions (rethrown after it). */
    public MethodHook atExit(Code.Statement... statements) {
        noConstructor();
        onExit.addAll(List.of(statements));
        return this;
    }

    private void noConstructor() {
        if (names.contains("<init>")) {
            throw new IllegalStateException("a constructor hook has atReturn code only: " + this);
        }
    }

    // --------------------------------------------------------------- the weaver's side

    /** The prefix every class this hook may change starts with (binary name): the weaver's first, cheap test. */
    public String classPrefix() {
        return classPrefix;
    }

    boolean matchesName(String binaryName) {
        return className == null ? classPrefix.equals(binaryName)
                : binaryName.startsWith(classPrefix) && className.test(binaryName);
    }

    boolean matchesLoader(ClassLoader loader) {
        return library == null || library.test(loader);
    }

    String superType() {
        return superType;
    }

    boolean matchesMethod(String name, MethodTypeDesc type, boolean abstractOrNative) {
        if (abstractOrNative || !names.contains(name)) {
            return false;
        }
        if (descriptor != null && !descriptor.equals(type.descriptorString())) {
            return false;
        }
        if (argCount >= 0 && type.parameterCount() != argCount) {
            return false;
        }
        for (ClassDesc[] at : argTypes) {
            int i = at.length - 1;
            if (i >= type.parameterCount() || !at[i].equals(type.parameterType(i))) {
                return false;
            }
        }
        return true;
    }

    List<Code.Statement> entry() {
        return entry;
    }

    List<Code.Statement> onReturn() {
        return onReturn;
    }

    List<Code.Statement> onExit() {
        return onExit;
    }

    @Override
    public String toString() {
        return classPrefix + (superType != null ? " extending " + superType : "") + " " + names
                + (descriptor != null ? descriptor : "");
    }
}
