package io.heapscope.bench.replay;

/** One replayed line of a trace: an allocation of {@code size} bytes at {@code address}, or its completed free. */
record TraceEvent(long seq, boolean alloc, long address, long size) {
}
