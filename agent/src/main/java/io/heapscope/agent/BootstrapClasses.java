package io.heapscope.agent;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassBuilder;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Defines the dispatcher classes in the bootstrap loader through the JDK's internal class definer
 * ({@code jdk.internal.misc.Unsafe.defineClass}), exported to this agent with {@link Instrumentation#redefineModule}.
 * Unlike appending a jar to the bootstrap class path, this keeps class-data sharing on and prints nothing into the
 * application's output. The call is plain bytecode in the static initializer of a small class generated here (a
 * reflective call would first spin method-handle classes: some 50 ms of the host's startup).
 */
final class BootstrapClasses {
    /** Defined in this order: the interface first, as the dispatcher refers to it. */
    private static final String[] NAMES = {
            "io.heapscope.agent.bootstrap.HeapscopeDispatch$Hook",
            "io.heapscope.agent.bootstrap.HeapscopeDispatch$Scope",
            "io.heapscope.agent.bootstrap.HeapscopeDispatch"};
    /** The class files, read by the definer's static initializer. */
    static byte[][] classFiles;

    private BootstrapClasses() {
    }

    static synchronized void inject(Instrumentation inst) throws Exception {
        inst.redefineModule(Object.class.getModule(), Set.of(), Map.of("jdk.internal.misc",
                Set.of(BootstrapClasses.class.getModule())), Map.of(), Set.of(), Map.of());
        classFiles = new byte[NAMES.length][];
        for (int i = 0; i < NAMES.length; i++) {
            try (InputStream in = BootstrapClasses.class.getClassLoader()
                    .getResourceAsStream(NAMES[i].replace('.', '/') + ".class")) {
                if (in == null) {
                    throw new IOException("agent jar lacks " + NAMES[i]);
                }
                classFiles[i] = in.readAllBytes();
            }
        }
        try {
            byte[] definer = ClassFile.of().build(ClassDesc.of(BootstrapClasses.class.getName() + "$Defined"),
                    new Definer());
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            lookup.ensureInitialized(lookup.defineClass(definer));
        } catch (ExceptionInInitializerError e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        } finally {
            classFiles = null;
        }
    }

    /**
     * {@code static { Unsafe u = Unsafe.getUnsafe(); for each i: u.defineClass(NAMES[i], classFiles[i], 0,
     * classFiles[i].length, null, null); }}
     */
    private static final class Definer implements Consumer<ClassBuilder> {
        @Override
        public void accept(ClassBuilder cb) {
            cb.withMethodBody(ConstantDescs.CLASS_INIT_NAME, ConstantDescs.MTD_void, ClassFile.ACC_STATIC,
                    new Consumer<CodeBuilder>() {
                        @Override
                        public void accept(CodeBuilder b) {
                            ClassDesc unsafe = ClassDesc.of("jdk.internal.misc.Unsafe");
                            ClassDesc self = ClassDesc.of(BootstrapClasses.class.getName());
                            ClassDesc files = ConstantDescs.CD_byte.arrayType(2);
                            MethodTypeDesc define = MethodTypeDesc.ofDescriptor("(Ljava/lang/String;[BIILjava/lang/"
                                    + "ClassLoader;Ljava/security/ProtectionDomain;)Ljava/lang/Class;");
                            for (int i = 0; i < NAMES.length; i++) {
                                b.invokestatic(unsafe, "getUnsafe", MethodTypeDesc.of(unsafe))
                                        .ldc(NAMES[i])
                                        .getstatic(self, "classFiles", files).loadConstant(i).aaload()
                                        .iconst_0()
                                        .getstatic(self, "classFiles", files).loadConstant(i).aaload().arraylength()
                                        .aconst_null().aconst_null()
                                        .invokevirtual(unsafe, "defineClass", define)
                                        .pop();
                            }
                            b.return_();
                        }
                    });
        }
    }
}
