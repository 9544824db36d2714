package io.heapscope.backend.cuda;

/** A CUDA driver call that did not return CUDA_SUCCESS, with the driver's own name for the code. */
public final class CudaException extends RuntimeException {
    private final int code;
    private final String errorName;

    CudaException(String call, int code, String errorName) {
        super(call + " failed: " + errorName + " (" + code + ")");
        this.code = code;
        this.errorName = errorName;
    }

    public int code() {
        return code;
    }

    /** The driver's name, e.g. CUDA_ERROR_OUT_OF_MEMORY. */
    public String errorName() {
        return errorName;
    }
}
