package io.heapscope.telemetry.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;

/** Fields of the four buffer events. */
abstract class AllocatorBufferJfrEvent extends AllocatorJfrEvent {
    @Label("Buffer Id")
    @Description("Allocator buffer id, stable while the buffer is cached and recycled")
    long bufferId;

    @Label("Heap Id")
    @Description("Id of the heap holding the buffer")
    long heapId;

    @Label("Address")
    @Description("Device address of the buffer")
    @MemoryAddress
    long address;

    @Label("Requested Size")
    @Description("Bytes asked for")
    @DataAmount
    long requestedSize;

    @Label("Aligned Size")
    @Description("Bytes the buffer takes in its heap")
    @DataAmount
    long alignedSize;

    @Label("Use Count")
    @Description("How many times the buffer has been handed out")
    int useCount;

    @Label("Retain Count")
    @Description("Device retain count at the event; above 1 means device work still uses the buffer")
    int retainCount;

    /** The common fields and the buffer's own. */
    final void setBuffer(io.heapscope.allocator.event.AllocatorEvent.BufferEvent e) {
        setCommon(e);
        bufferId = e.bufferId();
        heapId = e.heapId();
        address = e.address();
        requestedSize = e.requestedSize();
        alignedSize = e.alignedSize();
        useCount = e.useCount();
        retainCount = e.retainCount();
    }
}
