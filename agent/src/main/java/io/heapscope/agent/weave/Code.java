package io.heapscope.agent.weave;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The little language of woven code: {@link Value values} a hook can read at a hooked method (its arguments,
 * {@code this}, a field, the returned value, the entry's saved value, constants, calls on them), {@link Condition
 * conditions} over them, and {@link Statement statements}: report an event to
 * {@code io.heapscope.agent.bootstrap.HeapscopeDispatch}, enter or exit its scope, remember something at entry for the
 * exit, test, name a value. Each compiles to plain bytecode inside the hooked method, which calls only the dispatcher
 * (in the bootstrap loader, visible everywhere) and the types the hooked class itself can see (the hook names them);
 * never the agent's own classes, which a library's class loader may not see.
 *
 * <p>Import statically: {@code import static io.heapscope.agent.weave.Code.*;}
 */
public final class Code {
    public static final ClassDesc INT = ConstantDescs.CD_int;
    public static final ClassDesc LONG = ConstantDescs.CD_long;
    public static final ClassDesc STRING = ConstantDescs.CD_String;
    public static final ClassDesc OBJECT = ConstantDescs.CD_Object;

    static final ClassDesc DISPATCH = ClassDesc.of("io.heapscope.agent.bootstrap.HeapscopeDispatch");
    private static final MethodTypeDesc EVENT = MethodTypeDesc.ofDescriptor("(Ljava/lang/String;IJJLjava/lang/Object;)V");
    private static final MethodTypeDesc ENTER = MethodTypeDesc.ofDescriptor("(Ljava/lang/String;Ljava/lang/String;)I");
    private static final MethodTypeDesc EXIT = MethodTypeDesc.ofDescriptor("(I)V");

    /** {@code null}. */
    public static final Value NULL = new Constant(null, OBJECT);
    /** {@code 0L} (an event without an address). */
    public static final Value ZERO = new Constant(0L, LONG);

    private Code() {
    }

    /** Where woven code runs: the hooked method, and the local slots the weaver gave it. */
    record Site(ClassDesc owner, Map<String, ClassDesc> fields, MethodTypeDesc type, boolean isStatic, boolean atEntry,
                int entered, int returned) {
        int argSlot(int index) {
            if (index < 0 || index >= type.parameterCount()) {
                throw new IllegalArgumentException("no argument " + index + " in " + type.descriptorString());
            }
            int slot = isStatic ? 0 : 1;
            for (int i = 0; i < index; i++) {
                slot += TypeKind.from(type.parameterType(i)).slotSize();
            }
            return slot;
        }
    }

    // ---------------------------------------------------------------- values

    /** Something woven code can push on the operand stack. */
    public sealed interface Value {
        ClassDesc type(Site s);

        void load(CodeBuilder b, Site s);

        /** {@code ((owner) this).name(args)}, a virtual call on a class the hooked class can see. */
        default Value call(String owner, String name, String descriptor, Value... args) {
            return new Call(this, ClassDesc.of(owner), name, MethodTypeDesc.ofDescriptor(descriptor), false, List.of(args));
        }

        /** {@code this * other}, as longs. */
        default Value times(Value other) {
            return new Times(this, other);
        }

        /** {@code ((owner) this).name(args)}, an interface call. */
        default Value callInterface(String owner, String name, String descriptor, Value... args) {
            return new Call(this, ClassDesc.of(owner), name, MethodTypeDesc.ofDescriptor(descriptor), true, List.of(args));
        }
    }

    /** Argument {@code index} of the hooked method (0 is the first declared parameter). */
    public static Value arg(int index) {
        return new Arg(index);
    }

    /** {@code this} of the hooked (instance) method. */
    public static Value self() {
        return new Self();
    }

    /** {@code this.name}: a field declared by the hooked class (its type as declared there). */
    public static Value field(String name) {
        return new Field(name, null);
    }

    /** {@code this.name}: a field of the hooked class or of a superclass it can access, of this type. */
    public static Value field(String name, ClassDesc type) {
        return new Field(name, type);
    }

    /** The hooked method's result; at an exit by exception, the default value of its type (0, null). */
    public static Value returned() {
        return new Returned();
    }

    /** The int the entry code left (see {@link #enterScope}, {@link #remember}); 0 if it left nothing or failed. */
    public static Value entered() {
        return new Entered();
    }

    public static Value constant(long value) {
        return new Constant(value, LONG);
    }

    public static Value constant(String value) {
        return new Constant(value, STRING);
    }

    record Arg(int index) implements Value {
        @Override
        public ClassDesc type(Site s) {
            s.argSlot(index);
            return s.type().parameterType(index);
        }

        @Override
        public void load(CodeBuilder b, Site s) {
            b.loadLocal(TypeKind.from(type(s)), s.argSlot(index));
        }
    }

    record Self() implements Value {
        @Override
        public ClassDesc type(Site s) {
            if (s.isStatic()) {
                throw new IllegalArgumentException("no this in a static method");
            }
            return s.owner();
        }

        @Override
        public void load(CodeBuilder b, Site s) {
            type(s);
            b.aload(0);
        }
    }

    record Field(String name, ClassDesc fieldType) implements Value {
        @Override
        public ClassDesc type(Site s) {
            if (fieldType != null) {
                return fieldType;
            }
            ClassDesc declared = s.fields().get(name);
            if (declared == null) {
                throw new IllegalArgumentException(s.owner().displayName() + " declares no field " + name);
            }
            return declared;
        }

        @Override
        public void load(CodeBuilder b, Site s) {
            new Self().load(b, s);
            b.getfield(s.owner(), name, type(s));
        }
    }

    record Returned() implements Value {
        @Override
        public ClassDesc type(Site s) {
            if (s.atEntry() || s.returned() < 0) {
                throw new IllegalArgumentException("no returned value here");
            }
            return s.type().returnType();
        }

        @Override
        public void load(CodeBuilder b, Site s) {
            b.loadLocal(TypeKind.from(type(s)), s.returned());
        }
    }

    record Entered() implements Value {
        @Override
        public ClassDesc type(Site s) {
            return INT;
        }

        @Override
        public void load(CodeBuilder b, Site s) {
            b.iload(s.entered());
        }
    }

    record Constant(ConstantDesc value, ClassDesc constantType) implements Value {
        @Override
        public ClassDesc type(Site s) {
            return constantType;
        }

        @Override
        public void load(CodeBuilder b, Site s) {
            if (value == null) {
                b.aconst_null();
            } else {
                b.loadConstant(value);
            }
        }
    }

    /** A local slot named by {@link #let}. */
    record Local(int slot, ClassDesc localType) implements Value {
        @Override
        public ClassDesc type(Site s) {
            return localType;
        }

        @Override
        public void load(CodeBuilder b, Site s) {
            b.loadLocal(TypeKind.from(localType), slot);
        }
    }

    record Times(Value a, Value c) implements Value {
        @Override
        public ClassDesc type(Site s) {
            return LONG;
        }

        @Override
        public void load(CodeBuilder b, Site s) {
            widenToLong(b, a, s);
            widenToLong(b, c, s);
            b.lmul();
        }
    }

    record Call(Value receiver, ClassDesc owner, String name, MethodTypeDesc method, boolean isInterface,
                List<Value> args) implements Value {
        @Override
        public ClassDesc type(Site s) {
            return method.returnType();
        }

        @Override
        public void load(CodeBuilder b, Site s) {
            if (args.size() != method.parameterCount()) {
                throw new IllegalArgumentException(name + method.descriptorString() + " takes " + method.parameterCount());
            }
            receiver.load(b, s);
            if (!receiver.type(s).equals(owner) && !owner.equals(OBJECT)) {
                b.checkcast(owner);
            }
            for (int i = 0; i < args.size(); i++) {
                Value a = args.get(i);
                a.load(b, s);
                if (!a.type(s).isPrimitive() && !a.type(s).equals(method.parameterType(i))
                        && !method.parameterType(i).equals(OBJECT)) {
                    b.checkcast(method.parameterType(i));
                }
            }
            if (isInterface) {
                b.invokeinterface(owner, name, method);
            } else {
                b.invokevirtual(owner, name, method);
            }
        }
    }

    // ------------------------------------------------------------ conditions

    /** A test; compiles to a branch. */
    public sealed interface Condition {
        /** Jumps to {@code target} when this condition is {@code when}, else falls through. */
        void jump(CodeBuilder b, Site s, Label target, boolean when);
    }

    /** Not 0 (an int, long or boolean), or not null (a reference). */
    public static Condition notZero(Value v) {
        return new NotZero(v);
    }

    public static Condition notNull(Value v) {
        return new NotZero(v);
    }

    /** A boolean value is true. */
    public static Condition isTrue(Value v) {
        return new NotZero(v);
    }

    /** Greater than 0 (an int or long). */
    public static Condition positive(Value v) {
        return new Positive(v);
    }

    /** An int value equals {@code constant}. */
    public static Condition equal(Value v, int constant) {
        return new Equal(v, constant);
    }

    /** The same reference. */
    public static Condition same(Value a, Value b) {
        return new Same(a, b);
    }

    public static Condition not(Condition c) {
        return new Not(c);
    }

    /** All of them, tested left to right, stopping at the first false one. */
    public static Condition and(Condition... all) {
        return new And(List.of(all));
    }

    record NotZero(Value v) implements Condition {
        @Override
        public void jump(CodeBuilder b, Site s, Label target, boolean when) {
            v.load(b, s);
            switch (TypeKind.from(v.type(s))) {
                case REFERENCE -> b.branch(when ? Opcode.IFNONNULL : Opcode.IFNULL, target);
                case LONG -> b.lconst_0().lcmp().branch(when ? Opcode.IFNE : Opcode.IFEQ, target);
                case INT, BOOLEAN, BYTE, SHORT, CHAR -> b.branch(when ? Opcode.IFNE : Opcode.IFEQ, target);
                default -> throw new IllegalArgumentException("no zero test for " + v.type(s).displayName());
            }
        }
    }

    record Positive(Value v) implements Condition {
        @Override
        public void jump(CodeBuilder b, Site s, Label target, boolean when) {
            v.load(b, s);
            switch (TypeKind.from(v.type(s))) {
                case LONG -> b.lconst_0().lcmp();
                case INT, BYTE, SHORT, CHAR -> { }
                default -> throw new IllegalArgumentException("no sign test for " + v.type(s).displayName());
            }
            b.branch(when ? Opcode.IFGT : Opcode.IFLE, target);
        }
    }

    record Equal(Value v, int constant) implements Condition {
        @Override
        public void jump(CodeBuilder b, Site s, Label target, boolean when) {
            if (TypeKind.from(v.type(s)) != TypeKind.INT) {
                throw new IllegalArgumentException("equal compares ints, not " + v.type(s).displayName());
            }
            v.load(b, s);
            b.loadConstant(constant);
            b.branch(when ? Opcode.IF_ICMPEQ : Opcode.IF_ICMPNE, target);
        }
    }

    record Same(Value a, Value c) implements Condition {
        @Override
        public void jump(CodeBuilder b, Site s, Label target, boolean when) {
            a.load(b, s);
            c.load(b, s);
            b.branch(when ? Opcode.IF_ACMPEQ : Opcode.IF_ACMPNE, target);
        }
    }

    record Not(Condition c) implements Condition {
        @Override
        public void jump(CodeBuilder b, Site s, Label target, boolean when) {
            c.jump(b, s, target, !when);
        }
    }

    record And(List<Condition> all) implements Condition {
        @Override
        public void jump(CodeBuilder b, Site s, Label target, boolean when) {
            if (!when) {
                for (Condition c : all) {
                    c.jump(b, s, target, false);
                }
                return;
            }
            Label no = b.newLabel();
            for (int i = 0; i < all.size() - 1; i++) {
                all.get(i).jump(b, s, no, false);
            }
            all.getLast().jump(b, s, target, true);
            b.labelBinding(no);
        }
    }

    // ------------------------------------------------------------ statements

    /** One step of woven code. The weaver runs each top-level statement under its own catch-all that drops
     *  whatever it throws: a failing statement never reaches the host, nor stops the next one. */
    public sealed interface Statement {
        void emit(CodeBuilder b, Site s);
    }

    /**
     * {@code HeapscopeDispatch.event(framework, kind, address, size, context)}; int address or size values are widened
     * to long.
     */
    public static Statement event(String framework, int kind, Value address, Value size, Value context) {
        return new Event(framework, kind, address, size, context);
    }

    /** At entry: {@code entered = HeapscopeDispatch.enter(framework, attribute)} (attribute: a String or NULL). */
    public static Statement enterScope(String framework, Value attribute) {
        return new EnterScope(framework, attribute);
    }

    /** {@code HeapscopeDispatch.exit(entered)}: closes what {@link #enterScope} opened (nothing if it was 0). */
    public static Statement exitScope() {
        return new ExitScope();
    }

    /** At entry: {@code entered = condition ? 1 : 0}, for the exit to test. */
    public static Statement remember(Condition c) {
        return new Remember(c);
    }

    /** {@code if (condition) { then... }}. */
    public static Statement when(Condition c, Statement... then) {
        return new When(c, List.of(then));
    }

    /** Evaluates {@code value} once into a fresh local, which {@code body} reads. */
    public static Statement let(Value value, Function<Value, Statement> body) {
        return new Let(value, body);
    }

    static void widenToLong(CodeBuilder b, Value v, Site s) {
        v.load(b, s);
        switch (TypeKind.from(v.type(s))) {
            case LONG -> { }
            case INT, SHORT, BYTE, CHAR -> b.i2l();
            default -> throw new IllegalArgumentException("not an integer: " + v.type(s).displayName());
        }
    }

    record Event(String framework, int kind, Value address, Value size, Value context) implements Statement {
        @Override
        public void emit(CodeBuilder b, Site s) {
            b.loadConstant(framework).loadConstant(kind);
            widenToLong(b, address, s);
            widenToLong(b, size, s);
            if (context.type(s).isPrimitive()) {
                throw new IllegalArgumentException("the context is an object");
            }
            context.load(b, s);
            b.invokestatic(DISPATCH, "event", EVENT);
        }
    }

    record EnterScope(String framework, Value attribute) implements Statement {
        @Override
        public void emit(CodeBuilder b, Site s) {
            if (!s.atEntry()) {
                throw new IllegalArgumentException("enterScope belongs to the entry");
            }
            b.loadConstant(framework);
            attribute.load(b, s);
            if (!attribute.type(s).equals(STRING) && !(attribute instanceof Constant c && c.value() == null)) {
                b.checkcast(STRING);
            }
            b.invokestatic(DISPATCH, "enter", ENTER).istore(s.entered());
        }
    }

    record ExitScope() implements Statement {
        @Override
        public void emit(CodeBuilder b, Site s) {
            b.iload(s.entered()).invokestatic(DISPATCH, "exit", EXIT);
        }
    }

    record Remember(Condition c) implements Statement {
        @Override
        public void emit(CodeBuilder b, Site s) {
            if (!s.atEntry()) {
                throw new IllegalArgumentException("remember belongs to the entry");
            }
            Label no = b.newLabel();
            Label done = b.newLabel();
            c.jump(b, s, no, false);
            b.iconst_1().goto_(done).labelBinding(no).iconst_0().labelBinding(done).istore(s.entered());
        }
    }

    record When(Condition c, List<Statement> then) implements Statement {
        @Override
        public void emit(CodeBuilder b, Site s) {
            Label skip = b.newLabel();
            c.jump(b, s, skip, false);
            for (Statement t : then) {
                t.emit(b, s);
            }
            b.labelBinding(skip);
        }
    }

    record Let(Value value, Function<Value, Statement> body) implements Statement {
        @Override
        public void emit(CodeBuilder b, Site s) {
            ClassDesc type = value.type(s);
            int slot = b.allocateLocal(TypeKind.from(type));
            value.load(b, s);
            b.storeLocal(TypeKind.from(type), slot);
            body.apply(new Local(slot, type)).emit(b, s);
        }
    }
}
