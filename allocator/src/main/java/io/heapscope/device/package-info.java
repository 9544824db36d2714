/**
 * The device SPI: exactly what the allocator needs of Metal, no more.
 *
 * <p>A {@link io.heapscope.device.Device} creates {@link io.heapscope.device.Heap heaps} from a
 * {@link io.heapscope.device.HeapDescriptor}; a heap sub-allocates {@link io.heapscope.device.Buffer buffers};
 * buffers and heaps are reference counted like Objective-C objects (the allocator reads retain counts to know
 * whether the device still uses a buffer); a {@link io.heapscope.device.CommandStream} runs submitted work in
 * order, retaining the buffers it uses until it completes, and calls completion handlers;
 * {@link io.heapscope.device.DeviceEvent events} are recorded on the stream and waited on by the CPU.
 *
 * <p>Backends (host memory, CUDA, Metal) live in the {@code heapscope-native} module and are found through
 * {@link java.util.ServiceLoader} as {@link io.heapscope.device.DeviceProvider}s.
 */
package io.heapscope.device;
