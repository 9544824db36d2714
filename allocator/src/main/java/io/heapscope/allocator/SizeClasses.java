package io.heapscope.allocator;

/** The seed's size constants (MPSAllocator.h). */
public final class SizeClasses {
    static final long KB = 1024;
    static final long MB = 1024 * KB;

    /** Largest "small" allocation: 1 MiB. */
    public static final long MAX_SMALL_ALLOC = MB;
    /** Allocations between 1 and 10 MiB may use a large heap. */
    public static final long MIN_LARGE_ALLOC = 10 * MB;
    /** Large allocations are rounded up to 2 MiB. */
    public static final long ROUND_LARGE = 2 * MB;
    /** Small allocations are packed in 8 MiB heaps. */
    public static final long SMALL_HEAP = 8 * MB;
    /** Large allocations may be packed in 32 MiB heaps; also the oversize slack when reusing a buffer. */
    public static final long LARGE_HEAP = 32 * MB;
    /** Extra-large allocations on discrete devices may be packed in 128 MiB heaps. */
    public static final long XLARGE_HEAP_DISCRETE = 128 * MB;
    /** Extra-large allocations on unified-memory devices may be packed in 1 GiB heaps. */
    public static final long XLARGE_HEAP_UNIFIED = 1024 * MB;
    /** Largest "scalar" allocation: sizeof(int64_t). */
    public static final long MAX_SCALAR_ALLOC = Long.BYTES;
    /** vm_page_size: the alignment heap available sizes are measured with. */
    public static final long PAGE_SIZE = 4096;

    private SizeClasses() {
    }

    /** {@code BufferBlock::alignUp}. */
    static long alignUp(long size, long alignment) {
        if (Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, got " + alignment);
        }
        return (size + alignment - 1) & -alignment;
    }

    /**
     * The seed's {@code c10::CachingAllocator::format_size}: bytes up to 1 KiB, then KiB, MiB, GiB with two
     * decimals.
     */
    public static String formatSize(long size) {
        if (size < 0) {
            // not -size: Long.MIN_VALUE has no positive counterpart
            return "-" + formatMagnitude(-(double) size);
        }
        if (size <= 1024) {
            return size + " bytes";
        }
        return formatMagnitude(size);
    }

    private static String formatMagnitude(double size) {
        if (size <= 1024) {
            return (long) size + " bytes";
        } else if (size <= 1048576) {
            return String.format(java.util.Locale.ROOT, "%.2f KiB", size / 1024.0);
        } else if (size <= 1073741824.0) {
            return String.format(java.util.Locale.ROOT, "%.2f MiB", size / 1048576.0);
        } else {
            return String.format(java.util.Locale.ROOT, "%.2f GiB", size / 1073741824.0);
        }
    }
}
