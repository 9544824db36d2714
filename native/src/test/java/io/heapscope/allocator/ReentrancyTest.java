package io.heapscope.allocator;

import io.heapscope.allocator.event.AllocatorEvent;
import io.heapscope.device.Buffer;
import io.heapscope.device.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.heapscope.allocator.Fixture.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Memory callbacks and listeners run after the operation, outside the allocator lock, so they may call back into the
 * allocator; each case below broke the allocator's state, threw on the stream thread, or deadlocked before.
 */
class ReentrancyTest {

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void aReleasedCallbackMayEmptyTheCache(TestDevices.Backend backend) {
        try (Device d = backend.open(Fixture.GiB, true); HeapAllocator a = HeapAllocator.builder(d).sinks(Set.of()).build()) {
            AtomicInteger released = new AtomicInteger();
            a.addCallback("empty-on-release", (b, e) -> {
                if (e == CallbackEvent.RELEASED) {
                    released.incrementAndGet();
                    a.emptyCache();
                }
            });
            a.free(a.malloc(5000, false));
            a.free(a.malloc(3 * MiB, false));
            a.emptyCache();
            assertEquals(2, released.get());
            assertEquals(0, a.getTotalAllocatedMemory(), "released once, never below zero");
            assertEquals(0, a.callbackFailures());
            AllocatorStatistics s = a.stats();
            assertEquals(s.heapsAllocated(), s.heapsReleased());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void aFreedCallbackMayFreeABusyBufferWhileInactiveBuffersAreReturned(TestDevices.Backend backend)
            throws Exception {
        try (Device d = backend.open(Fixture.GiB, true); HeapAllocator a = HeapAllocator.builder(d).sinks(Set.of()).build()) {
            MpsBuffer first = a.malloc(4 * MiB, false);
            MpsBuffer second = a.malloc(4 * MiB, false);
            Buffer firstDevice = first.deviceBuffer();
            Buffer secondDevice = second.deviceBuffer();
            CountDownLatch busy = Fixture.holdBusy(d, firstDevice, secondDevice);
            AtomicReference<MpsBuffer> toFree = new AtomicReference<>(second);
            a.addCallback("free-another", (b, e) -> {
                MpsBuffer other = toFree.getAndSet(null);
                if (e == CallbackEvent.FREED && other != null) {
                    a.free(other); // the device still holds it: parked as a pending free
                }
            });
            a.free(first); // pending: busy
            busy.countDown();
            d.stream().synchronize(); // freeInactiveBuffers runs on the stream and fires FREED for first
            d.stream().synchronize();
            a.freeInactiveBuffers();
            assertEquals(0, a.getCurrentAllocatedMemory(), "both freed");
            assertEquals(0, a.callbackFailures(), "no ConcurrentModificationException on the stream thread");
            assertTrue(a.poolSnapshots().stream().allMatch(p -> p.pendingFree() == 0));
        }
    }

    @Test
    void aCallbackWaitingForEventsOnTheStreamThreadFailsInsteadOfDeadlocking() throws Exception {
        try (Device d = TestDevices.host(Fixture.GiB); HeapAllocator a = HeapAllocator.builder(d).sinks(Set.of()).build()) {
            MpsBuffer shared = a.malloc(4 * MiB, true);
            MpsBuffer other = a.malloc(4 * MiB, true);
            long otherAddress = other.address();
            a.addCallback("wait", (b, e) -> {
                if (e == CallbackEvent.FREED && b.id() == shared.id()) {
                    a.waitForEvents(otherAddress); // on the stream thread, from freeInactiveBuffers
                }
            });
            CountDownLatch firstBusy = Fixture.holdBusy(d, shared.deviceBuffer());
            a.free(shared); // pending: its return to the pool runs on the stream after firstBusy's work
            CountDownLatch otherBusy = Fixture.holdBusy(d, other.deviceBuffer()); // queued after that handler
            a.recordEvents(otherAddress); // signalled only after otherBusy's work: behind the waiting handler
            firstBusy.countDown();
            Thread.sleep(300); // the handler runs and its callback tries to wait for otherAddress
            otherBusy.countDown();
            CompletableFuture<Void> empty = CompletableFuture.runAsync(a::emptyCache);
            empty.get(10, TimeUnit.SECONDS); // never returned before: the stream waited for itself
            assertEquals(1, a.callbackFailures(), "the wait on its own thread was refused, not hung");
            a.free(other);
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void listenersAndCallbacksRunOutsideTheLock(TestDevices.Backend backend) throws Exception {
        try (Device d = backend.open(Fixture.GiB, true);
             HeapAllocator a = HeapAllocator.builder(d).sinks(Set.of()).verbosity(DebugVerbosity.ALL & ~DebugVerbosity.LARGE_ONLY.bit()).build()) {
            List<String> seen = new ArrayList<>();
            AtomicReference<Throwable> fromOtherThread = new AtomicReference<>();
            a.addListener(e -> {
                seen.add(e.kind().name());
                // another thread can take the lock while this listener runs: it is not held
                Thread t = Thread.ofPlatform().start(() -> {
                    try {
                        a.stats();
                    } catch (Throwable x) {
                        fromOtherThread.set(x);
                    }
                });
                try {
                    assertTrue(t.join(java.time.Duration.ofSeconds(5)), "stats() from another thread returned");
                } catch (InterruptedException x) {
                    throw new AssertionError(x);
                }
                if (e instanceof AllocatorEvent.BufferAllocated) {
                    a.getTotalAllocatedMemory(); // and this thread may call in too
                }
            });
            a.free(a.malloc(5000, false));
            assertNull(fromOtherThread.get());
            assertEquals(0, a.listenerFailures());
            assertEquals(List.of("HEAP_ALLOCATED", "BUFFER_ALLOCATED", "BUFFER_FREED"), seen);
        }
    }
}
