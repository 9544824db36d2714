package io.heapscope.agent.interchange;

import io.heapscope.agent.replay.ReplaySetting;
import io.heapscope.agent.replay.Replayer;
import io.heapscope.agent.replay.Workload;
import io.heapscope.agent.replay.WorkloadReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A snapshot PyTorch 2.11 itself wrote ({@code torch.cuda.memory._dump_snapshot} on an H200: a small MLP, three
 * AdamW steps, one out-of-memory; scripts/device/make-real-snapshot.py): read, replayed and exported again.
 */
class RealSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void readsReplaysAndReExportsPyTorchsOwnSnapshot() throws Exception {
        byte[] bytes = PickleTest.resource("pytorch-2.11-snapshot.pickle");
        Map<?, ?> snap = (Map<?, ?>) Pickle.read(bytes);
        assertEquals(MemoryVizExportTest.TOP, snap.keySet());
        assertEquals(5, ((List<?>) snap.get("segments")).size());
        List<?> trace = (List<?>) ((List<?>) snap.get("device_traces")).getFirst();
        assertEquals(208, trace.size());
        for (Object s : (List<?>) snap.get("segments")) {
            assertEquals(MemoryVizExportTest.SEGMENT, ((Map<?, ?>) s).keySet(), "our key list is PyTorch's");
        }
        assertEquals(MemoryVizExportTest.ENTRY, ((Map<?, ?>) trace.getFirst()).keySet());

        Path f = dir.resolve("real.pickle");
        Files.write(f, bytes);
        Workload w = WorkloadReader.read(f);
        assertEquals(208, w.size(), "every entry, the oom one (which has no addr) included");
        assertEquals(78 + 61, w.replayable(), "78 alloc + 61 free_completed");
        assertTrue(w.sites().stream().anyMatch(s -> s.stack().contains(".py:")), "python frames as stacks");

        Replayer.Outcome o = Replayer.replay(w, new ReplaySetting("host", 1L << 30, null, Double.NaN, Double.NaN),
                null, null);
        assertEquals(0, o.unmatchedFrees());
        assertEquals(-1, o.firstOomEvent(), "PyTorch's oom entry is a marker, not an allocation to replay");
        assertTrue(o.peakInUse() > 0);

        Map<String, Object> again = MemoryVizExport.snapshot(w);
        MemoryVizExportTest.check(again);
        assertEquals(5, ((List<?>) again.get("segments")).size(), "6 segment_alloc - 1 segment_free");
        assertEquals(208, ((List<?>) ((List<?>) again.get("device_traces")).getFirst()).size());
    }
}
