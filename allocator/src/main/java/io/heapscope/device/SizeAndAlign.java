package io.heapscope.device;

/** {@code MTLSizeAndAlign}: the size and alignment a buffer takes inside a heap. */
public record SizeAndAlign(long size, long align) {
    public SizeAndAlign {
        if (size < 0 || align <= 0 || Long.bitCount(align) != 1) {
            throw new IllegalArgumentException("invalid size " + size + " / alignment " + align);
        }
    }
}
