package io.heapscope.agent.interchange;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python pickles of plain data, as {@code torch.cuda.memory._dump_snapshot} writes them: dicts, lists, tuples, ints,
 * floats, strings, bytes, booleans and None, with memo operations, protocols 0-5 as far as those types go. Reading
 * maps dicts to {@link LinkedHashMap}, lists and tuples to {@link List}, ints to {@link Long} (or
 * {@link BigInteger} past 64 bits), floats to {@link Double}. Anything else (classes, reduce) is refused with the
 * byte offset of the opcode.
 */
public final class Pickle {
    private Pickle() {
    }

    /** A pickle that cannot be read; {@link #offset()} is the byte offset of the failing opcode. */
    public static final class PickleException extends IOException {
        private static final long serialVersionUID = 1L;
        private final long offset;

        PickleException(long offset, String message) {
            super("byte " + offset + ": " + message);
            this.offset = offset;
        }

        public long offset() {
            return offset;
        }
    }

    private static final Object MARK = new Object();

    /** A Python tuple to write (reading gives tuples as unmodifiable lists). */
    public record Tuple(List<Object> items) {
    }

    // ------------------------------------------------------------------------------------------------------ reading

    public static Object read(byte[] data) throws PickleException {
        List<Object> stack = new ArrayList<>();
        Map<Long, Object> memo = new HashMap<>();
        int p = 0;
        while (true) {
            if (p >= data.length) {
                throw new PickleException(p, "truncated: no STOP opcode");
            }
            int at = p;
            int op = data[p++] & 0xff;
            try {
                switch (op) {
                    case 0x80 -> p++; // PROTO n
                    case 0x95 -> p += 8; // FRAME len
                    case '.' -> { // STOP
                        if (stack.size() != 1) {
                            throw new PickleException(at, "STOP with " + stack.size() + " values on the stack");
                        }
                        return stack.getFirst();
                    }
                    case '(' -> stack.add(MARK);
                    case '}' -> stack.add(new LinkedHashMap<>());
                    case ']' -> stack.add(new ArrayList<>());
                    case ')' -> stack.add(List.of());
                    case 'N' -> stack.add(null);
                    case 0x88 -> stack.add(Boolean.TRUE);
                    case 0x89 -> stack.add(Boolean.FALSE);
                    case 'J' -> { stack.add(le(data, p, 4)); p += 4; }
                    case 'K' -> stack.add((long) (data[p++] & 0xff));
                    case 'M' -> { stack.add((long) (data[p] & 0xff | (data[p + 1] & 0xff) << 8)); p += 2; }
                    case 0x8a -> { // LONG1
                        int n = data[p++] & 0xff;
                        stack.add(longFrom(data, p, n));
                        p += n;
                    }
                    case 0x8b -> { // LONG4
                        int n = (int) le(data, p, 4);
                        p += 4;
                        stack.add(longFrom(data, p, n));
                        p += n;
                    }
                    case 'I', 'L' -> { // INT / LONG (text, protocol 0)
                        int end = indexOf(data, p, (byte) '\n');
                        String t = new String(data, p, end - p, StandardCharsets.US_ASCII).replace("L", "");
                        p = end + 1;
                        stack.add(t.equals("01") ? (Object) Boolean.TRUE : t.equals("00") ? (Object) Boolean.FALSE
                                : number(new BigInteger(t)));
                    }
                    case 'G' -> { stack.add(Double.longBitsToDouble(be(data, p, 8))); p += 8; }
                    case 'F' -> {
                        int end = indexOf(data, p, (byte) '\n');
                        stack.add(Double.parseDouble(new String(data, p, end - p, StandardCharsets.US_ASCII)));
                        p = end + 1;
                    }
                    case 0x8c -> { // SHORT_BINUNICODE
                        int n = data[p++] & 0xff;
                        stack.add(new String(data, p, n, StandardCharsets.UTF_8));
                        p += n;
                    }
                    case 'X' -> {
                        int n = (int) le(data, p, 4);
                        p += 4;
                        stack.add(new String(data, p, n, StandardCharsets.UTF_8));
                        p += n;
                    }
                    case 0x8d -> {
                        long n = le(data, p, 8);
                        p += 8;
                        stack.add(new String(data, p, (int) n, StandardCharsets.UTF_8));
                        p += (int) n;
                    }
                    case 'C' -> { // SHORT_BINBYTES
                        int n = data[p++] & 0xff;
                        stack.add(java.util.Arrays.copyOfRange(data, p, p + n));
                        p += n;
                    }
                    case 'B' -> {
                        int n = (int) le(data, p, 4);
                        p += 4;
                        stack.add(java.util.Arrays.copyOfRange(data, p, p + n));
                        p += n;
                    }
                    case 'V' -> { // UNICODE (raw-unicode-escape; plain ASCII here)
                        int end = indexOf(data, p, (byte) '\n');
                        stack.add(new String(data, p, end - p, StandardCharsets.UTF_8));
                        p = end + 1;
                    }
                    case 0x94 -> memo.put((long) memo.size(), top(stack, at)); // MEMOIZE
                    case 'q' -> memo.put((long) (data[p++] & 0xff), top(stack, at));
                    case 'r' -> { memo.put(le(data, p, 4), top(stack, at)); p += 4; }
                    case 'p' -> {
                        int end = indexOf(data, p, (byte) '\n');
                        memo.put(Long.parseLong(new String(data, p, end - p, StandardCharsets.US_ASCII)),
                                top(stack, at));
                        p = end + 1;
                    }
                    case 'h' -> stack.add(memoGet(memo, data[p++] & 0xff, at));
                    case 'j' -> { stack.add(memoGet(memo, le(data, p, 4), at)); p += 4; }
                    case 'g' -> {
                        int end = indexOf(data, p, (byte) '\n');
                        stack.add(memoGet(memo, Long.parseLong(new String(data, p, end - p,
                                StandardCharsets.US_ASCII)), at));
                        p = end + 1;
                    }
                    case 's' -> { // SETITEM
                        Object v = pop(stack, at);
                        Object k = pop(stack, at);
                        dict(top(stack, at), at).put(key(k), v);
                    }
                    case 'u' -> { // SETITEMS
                        List<Object> items = popToMark(stack, at);
                        Map<Object, Object> d = dict(top(stack, at), at);
                        for (int i = 0; i + 1 < items.size(); i += 2) {
                            d.put(key(items.get(i)), items.get(i + 1));
                        }
                    }
                    case 'a' -> { Object v = pop(stack, at); list(top(stack, at), at).add(v); }
                    case 'e' -> { List<Object> items = popToMark(stack, at); list(top(stack, at), at).addAll(items); }
                    case 'l' -> stack.add(new ArrayList<>(popToMark(stack, at)));
                    case 'd' -> {
                        List<Object> items = popToMark(stack, at);
                        Map<Object, Object> d = new LinkedHashMap<>();
                        for (int i = 0; i + 1 < items.size(); i += 2) {
                            d.put(key(items.get(i)), items.get(i + 1));
                        }
                        stack.add(d);
                    }
                    case 't' -> stack.add(tuple(popToMark(stack, at).toArray()));
                    case 0x85 -> stack.add(tuple(pop(stack, at)));
                    case 0x86 -> { Object b = pop(stack, at); Object a = pop(stack, at); stack.add(tuple(a, b)); }
                    case 0x87 -> {
                        Object c = pop(stack, at);
                        Object b = pop(stack, at);
                        Object a = pop(stack, at);
                        stack.add(tuple(a, b, c));
                    }
                    case '0' -> pop(stack, at); // POP
                    case '1' -> popToMark(stack, at); // POP_MARK
                    case '2' -> stack.add(top(stack, at)); // DUP
                    default -> throw new PickleException(at, String.format(
                            "unsupported pickle opcode 0x%02x ('%s'): only plain data (dict, list, tuple, int, "
                                    + "float, str, bytes, bool, None) is read", op, (char) op));
                }
            } catch (IndexOutOfBoundsException | NegativeArraySizeException e) {
                throw new PickleException(at, String.format("truncated at opcode 0x%02x", op));
            } catch (NumberFormatException e) {
                throw new PickleException(at, "bad number: " + e.getMessage());
            }
        }
    }

    /** Tuples are unmodifiable lists. */
    private static List<Object> tuple(Object... items) {
        List<Object> l = new ArrayList<>(items.length);
        java.util.Collections.addAll(l, items);
        return java.util.Collections.unmodifiableList(l);
    }

    private static Object key(Object k) {
        return k;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dict(Object o, int at) throws PickleException {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw new PickleException(at, "SETITEM on a " + typeName(o));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o, int at) throws PickleException {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw new PickleException(at, "APPEND on a " + typeName(o));
    }

    private static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    private static Object memoGet(Map<Long, Object> memo, long key, int at) throws PickleException {
        if (!memo.containsKey(key)) {
            throw new PickleException(at, "memo key " + key + " not set");
        }
        return memo.get(key);
    }

    private static Object top(List<Object> stack, int at) throws PickleException {
        if (stack.isEmpty() || stack.getLast() == MARK) {
            throw new PickleException(at, "stack underflow");
        }
        return stack.getLast();
    }

    private static Object pop(List<Object> stack, int at) throws PickleException {
        Object o = top(stack, at);
        stack.removeLast();
        return o;
    }

    private static List<Object> popToMark(List<Object> stack, int at) throws PickleException {
        int m = stack.lastIndexOf(MARK);
        if (m < 0) {
            throw new PickleException(at, "no MARK on the stack");
        }
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private static int indexOf(byte[] d, int from, byte b) {
        for (int i = from; i < d.length; i++) {
            if (d[i] == b) {
                return i;
            }
        }
        throw new IndexOutOfBoundsException("no newline");
    }

    private static long le(byte[] d, int p, int n) {
        if (p + n > d.length) {
            throw new IndexOutOfBoundsException();
        }
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = v << 8 | (d[p + i] & 0xff);
        }
        return n == 4 ? (int) v : v; // BININT is signed 32-bit
    }

    private static long be(byte[] d, int p, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = v << 8 | (d[p + i] & 0xff);
        }
        return v;
    }

    private static Object longFrom(byte[] d, int p, int n) {
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = d[p + n - 1 - i];
        }
        return number(new BigInteger(be));
    }

    private static Object number(BigInteger b) {
        return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }

    // ------------------------------------------------------------------------------------------------------ writing

    /** Protocol 4 without frames: maps, lists, strings, numbers, booleans, null. */
    public static byte[] write(Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
        out.write(0x80);
        out.write(4);
        writeValue(out, value);
        out.write('.');
        return out.toByteArray();
    }

    private static void writeValue(ByteArrayOutputStream out, Object v) {
        switch (v) {
            case null -> out.write('N');
            case Boolean b -> out.write(b ? 0x88 : 0x89);
            case Integer i -> writeLong(out, i);
            case Long l -> writeLong(out, l);
            case BigInteger b -> writeBig(out, b);
            case Double d -> {
                out.write('G');
                long bits = Double.doubleToLongBits(d);
                for (int i = 7; i >= 0; i--) {
                    out.write((int) (bits >>> (8 * i)));
                }
            }
            case String s -> {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                if (b.length < 256) {
                    out.write(0x8c);
                    out.write(b.length);
                } else {
                    out.write('X');
                    writeLe(out, b.length, 4);
                }
                out.writeBytes(b);
            }
            case Tuple t -> {
                out.write('(');
                for (Object o : t.items()) {
                    writeValue(out, o);
                }
                out.write('t');
            }
            case Map<?, ?> m -> {
                out.write('}');
                if (!m.isEmpty()) {
                    out.write('(');
                    int n = 0;
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        writeValue(out, e.getKey());
                        writeValue(out, e.getValue());
                        if (++n % 1000 == 0) { // batches, as pickle does
                            out.write('u');
                            out.write('(');
                        }
                    }
                    out.write('u');
                }
            }
            case List<?> l -> {
                out.write(']');
                if (!l.isEmpty()) {
                    out.write('(');
                    int n = 0;
                    for (Object o : l) {
                        writeValue(out, o);
                        if (++n % 1000 == 0) {
                            out.write('e');
                            out.write('(');
                        }
                    }
                    out.write('e');
                }
            }
            default -> throw new IllegalArgumentException("cannot pickle a " + v.getClass().getName());
        }
    }

    private static void writeLong(ByteArrayOutputStream out, long v) {
        if (v >= 0 && v < 256) {
            out.write('K');
            out.write((int) v);
        } else if (v >= 0 && v < 65536) {
            out.write('M');
            writeLe(out, v, 2);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write('J');
            writeLe(out, v, 4);
        } else {
            writeBig(out, BigInteger.valueOf(v));
        }
    }

    private static void writeBig(ByteArrayOutputStream out, BigInteger b) {
        byte[] be = b.toByteArray();
        out.write(0x8a);
        out.write(be.length);
        for (int i = be.length - 1; i >= 0; i--) {
            out.write(be[i]);
        }
    }

    private static void writeLe(ByteArrayOutputStream out, long v, int n) {
        for (int i = 0; i < n; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }
}
