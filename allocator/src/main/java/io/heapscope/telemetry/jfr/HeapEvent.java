package io.heapscope.telemetry.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;

/** Fields every heap event carries. */
abstract class HeapEvent extends HeapscopeEvent {
    @Label("Heap Id")
    long heapId;

    @Label("Heap Size")
    @DataAmount
    long heapSize;

    @Label("Heap Available")
    @Description("Bytes available in the heap")
    @DataAmount
    long heapAvailable;

    @Label("Heaps In Pool")
    @Description("Heaps of the pool, this one included")
    long heapCount;

    @Label("Retain Count")
    @Description("Device retain count of the heap at the event")
    int retainCount;
}
