package io.heapscope.agent.events;

import java.io.PrintStream;

/** One line per event on stderr ({@code sinks=log}), for a quick look without JFR or a collector. */
public final class LogAgentSink implements AgentSink {
    private final PrintStream out;

    public LogAgentSink(PrintStream out) {
        this.out = out;
    }

    private void line(String what, String framework, String detail, long size, long address) {
        out.println("heapscope " + what + " framework=" + framework + (detail == null ? "" : " " + detail)
                + " size=" + size + (address != 0 ? " address=0x" + Long.toHexString(address) : ""));
    }

    @Override
    public void allocation(String framework, String mechanism, long size, long address) {
        line("allocation", framework, mechanism == null ? null : "mechanism=" + mechanism, size, address);
    }

    @Override
    public void free(String framework, String mechanism, long size, long address) {
        line("free", framework, mechanism == null ? null : "mechanism=" + mechanism, size, address);
    }

    @Override
    public void mapping(String framework, String file, long size, long address) {
        line("mapping", framework, "file=" + file, size, address);
    }

    @Override
    public void unmapping(String framework, String file, long size, long address) {
        line("unmapping", framework, "file=" + file, size, address);
    }

    @Override
    public void pooledAllocation(String framework, long size, boolean newChunk) {
        line("pooled-allocation", framework, "newChunk=" + newChunk, size, 0);
    }

    @Override
    public void pooledFree(String framework, long size) {
        line("pooled-free", framework, null, size, 0);
    }

    @Override
    public void chunkReuse(String framework, long size) {
        line("chunk-reuse", framework, null, size, 0);
    }
}
