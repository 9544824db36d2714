package io.heapscope.telemetry.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;

/** Fields every buffer event carries. */
abstract class BufferEvent extends HeapscopeEvent {
    @Label("Buffer Id")
    @Description("Allocator buffer id (stable across recycling), or the agent's id for framework memory")
    long bufferId;

    @Label("Heap Id")
    @Description("Id of the heap holding the buffer; 0 for framework memory")
    long heapId;

    @Label("Requested Size")
    @Description("Bytes asked for")
    @DataAmount
    long requestedSize;

    @Label("Aligned Size")
    @Description("Bytes actually taken (after alignment)")
    @DataAmount
    long alignedSize;

    @Label("Address")
    @Description("Device or native address of the buffer, 0 if unknown")
    @MemoryAddress
    long address;

    @Label("Use Count")
    @Description("How many times the buffer has been handed out")
    int useCount;

    @Label("Retain Count")
    @Description("Device retain count at the event; above 1 means device work still uses the buffer")
    int retainCount;

    @Label("GC Age")
    @Description("Large-pool allocation rounds the buffer spent idle in the cache")
    int gcAge;

    @Label("Heap Available")
    @Description("Bytes still available in the buffer's heap after the event")
    @DataAmount
    long heapAvailable;
}
