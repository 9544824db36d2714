package io.heapscope.agent.weave;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.constant.ClassDesc;
import java.lang.reflect.AccessFlag;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The class hierarchy as seen from one class loader, read from class files ({@code getResourceAsStream}, then the
 * platform loader, which reaches the JDK's modules), never by loading a class: a transformer that loads classes
 * risks class-circularity errors and deadlocks. The stack-map generation of the class-file API asks it for super
 * classes when it merges types; a hook's {@link MethodHook#extending} asks it for super types. An unknown class is
 * unknown: the weaving then fails (and leaves the class as it was) rather than guess. One instance per transformed
 * class (it caches, and is not thread-safe).
 */
final class Hierarchy implements ClassHierarchyResolver {
    /** A class's place in the hierarchy (internal names). */
    record Info(String superName, List<String> interfaces, boolean isInterface) {
    }

    private final ClassLoader loader;
    private final Map<String, Info> known = new HashMap<>();

    Hierarchy(ClassLoader loader) {
        this.loader = loader;
    }

    /** Records a class from its parsed class file (the one being transformed: its resource may differ). */
    void add(ClassModel model) {
        known.put(model.thisClass().asInternalName(), infoOf(model));
    }

    private static Info infoOf(ClassModel m) {
        List<String> interfaces = new ArrayList<>();
        for (ClassEntry i : m.interfaces()) {
            interfaces.add(i.asInternalName());
        }
        ClassEntry superclass = m.superclass().orElse(null);
        return new Info(superclass == null ? null : superclass.asInternalName(), interfaces,
                m.flags().has(AccessFlag.INTERFACE));
    }

    /** The class's info, or null when no class file of that name is found. */
    Info info(String internalName) {
        if (known.containsKey(internalName)) {
            return known.get(internalName);
        }
        Info info = null;
        byte[] bytes = read(internalName + ".class");
        if (bytes != null) {
            info = infoOf(ClassFile.of().parse(bytes));
        }
        known.put(internalName, info);
        return info;
    }

    private byte[] read(String resource) {
        InputStream found = loader != null ? loader.getResourceAsStream(resource) : null;
        if (found == null) {
            found = ClassLoader.getPlatformClassLoader().getResourceAsStream(resource);
        }
        if (found == null) {
            return null;
        }
        try (InputStream in = found) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when {@code internalName} is {@code superName} or extends or implements it, directly or not. */
    boolean isSubtype(String internalName, String superName) {
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>();
        todo.add(internalName);
        while (!todo.isEmpty()) {
            String n = todo.poll();
            if (n.equals(superName)) {
                return true;
            }
            if (!seen.add(n)) {
                continue;
            }
            Info i = info(n);
            if (i == null) {
                continue; // not visible: not a supertype we can confirm
            }
            if (i.superName() != null) {
                todo.add(i.superName());
            }
            todo.addAll(i.interfaces());
        }
        return false;
    }

    @Override
    public ClassHierarchyInfo getClassInfo(ClassDesc classDesc) {
        String d = classDesc.descriptorString();
        Info i = info(d.substring(1, d.length() - 1));
        if (i == null) {
            return null;
        }
        return i.isInterface() ? ClassHierarchyInfo.ofInterface()
                : ClassHierarchyInfo.ofClass(i.superName() == null ? null : ClassDesc.ofInternalName(i.superName()));
    }
}
