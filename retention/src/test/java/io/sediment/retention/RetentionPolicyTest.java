package io.sediment.retention;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

class RetentionPolicyTest {
    private static final long T0 = 1_700_000_000_000L;

    /** A generated partition and retention settings. */
    record Scenario(List<SegmentSummary> segments, long retentionMs, long retentionBytes, long nowMs,
            long logStartOffset, int maxSegmentsPerPass) {
        long totalBytes() {
            return segments.stream().mapToLong(SegmentSummary::sizeInBytes).sum();
        }
    }

    /** {records, bytesPerRecord, timestampSpread, gapToNext} for one segment. */
    private static Gen<List<SegmentSummary>> segmentLists() {
        final Gen<int[]> spec = integers().between(0, 5).zip(integers().between(1, 300), integers().between(0, 1000),
                integers().between(0, 9), (records, bytes, ts, gap) -> new int[] {records, bytes, ts, gap});
        return lists().of(spec).ofSizeBetween(1, 10).map(specs -> {
            final List<SegmentSummary> segments = new ArrayList<>();
            long base = 0;
            for (int[] s : specs) {
                final long next = base + s[0];
                segments.add(new SegmentSummary(base, next, (long) s[0] * s[1], s[0] == 0 ? -1 : T0 + s[2]));
                // Mostly contiguous; sometimes a gap (a compacted or truncated history) or an empty rolled segment.
                base = Math.max(next, base + 1) + (s[3] == 0 ? 3 : 0);
            }
            return segments;
        });
    }

    private static Gen<Scenario> scenarios() {
        final Gen<long[]> settings = integers().between(-1, 1100).zip(integers().between(-1, 2500),
                integers().between(0, 1300), integers().between(0, 60), (ms, bytes, now, lso) -> new long[] {
                    ms, bytes, T0 + now, lso});
        return segmentLists().zip(settings, integers().between(1, 12), integers().between(0, 29),
                (segments, s, cap, exact) -> {
                    final int n = segments.size();
                    final long lastNext = segments.get(n - 1).nextOffset();
                    // Keep the log start offset mostly inside the log, as the engine does.
                    final long logStartOffset = Math.min(s[3], lastNext);
                    long retentionBytes = s[1];
                    long nowMs = s[2];
                    if (exact < n) { // a boundary: retention.bytes equal to the bytes after one segment
                        retentionBytes = 0;
                        for (int i = exact + 1; i < n; i++) {
                            retentionBytes += segments.get(i).sizeInBytes();
                        }
                    } else if (exact >= 10 && exact - 10 < n && s[0] >= 0) { // a segment exactly retention.ms old
                        nowMs = Math.max(segments.get(exact - 10).largestTimestamp(), T0) + s[0];
                    }
                    return new Scenario(segments, s[0], retentionBytes, nowMs, logStartOffset, cap);
                });
    }

    private static RetentionDecision decide(final Scenario s) {
        return RetentionPolicy.decide(s.segments(), s.retentionMs(), s.retentionBytes(), s.nowMs(),
                s.logStartOffset(), s.maxSegmentsPerPass());
    }

    private static RetentionDecision decideUnbounded(final Scenario s) {
        return RetentionPolicy.decide(s.segments(), s.retentionMs(), s.retentionBytes(), s.nowMs(),
                s.logStartOffset(), Integer.MAX_VALUE);
    }

    /** What the engine does with a decision: roll if asked, then drop the prefix. */
    private static List<SegmentSummary> apply(final List<SegmentSummary> segments, final RetentionDecision d) {
        final List<SegmentSummary> result = new ArrayList<>(segments);
        if (d.rollActiveFirst()) {
            final SegmentSummary active = result.get(result.size() - 1);
            result.add(new SegmentSummary(active.nextOffset(), active.nextOffset(), 0, -1));
        }
        return new ArrayList<>(result.subList(d.deleteCount(), result.size()));
    }

    @Test
    void agreesWithKafkasThreeSequentialPassesCutAtTheBound() {
        qt().withExamples(3000).forAll(scenarios()).checkAssert(s -> {
            final KafkaRetentionModel.Outcome kafka = KafkaRetentionModel.run(s.segments(), s.retentionMs(),
                    s.retentionBytes(), s.nowMs(), s.logStartOffset());
            final RetentionDecision d = decide(s);
            final int expected = Math.min(kafka.deleted(), s.maxSegmentsPerPass());
            assertEquals(expected, d.deleteCount(), s::toString);
            assertEquals(expected == s.segments().size(), d.rollActiveFirst(), s::toString);
            assertEquals(expected == 0 ? Reason.NONE : kafka.firstReason(), d.reason(), s::toString);
            assertEquals(kafka.rolled(), decideUnbounded(s).rollActiveFirst(), s::toString);
        });
    }

    @Test
    void deletesOnlySegmentsThatBreakARuleAndNeverAnEmptyActiveSegment() {
        qt().withExamples(2000).forAll(scenarios()).checkAssert(s -> {
            final RetentionDecision d = decide(s);
            final List<SegmentSummary> segs = s.segments();
            assertTrue(d.deleteCount() <= s.maxSegmentsPerPass());
            assertTrue(d.deleteCount() <= segs.size());
            long after = s.totalBytes();
            for (int i = 0; i < d.deleteCount(); i++) {
                final SegmentSummary seg = segs.get(i);
                after -= seg.sizeInBytes();
                final boolean active = i == segs.size() - 1;
                final boolean belowStart = active ? seg.nextOffset() <= s.logStartOffset()
                        : segs.get(i + 1).baseOffset() <= s.logStartOffset();
                final boolean overSize = s.retentionBytes() >= 0 && after >= s.retentionBytes();
                final boolean tooOld = s.retentionMs() >= 0 && s.nowMs() - seg.largestTimestamp() > s.retentionMs();
                assertTrue(belowStart || overSize || tooOld, "segment " + i + " is retained data: " + s);
                assertFalse(active && seg.sizeInBytes() == 0, "deleted an empty active segment: " + s);
            }
            if (d.rollActiveFirst()) {
                assertEquals(segs.size(), d.deleteCount());
                assertTrue(segs.get(segs.size() - 1).sizeInBytes() > 0);
            }
        });
    }

    @Test
    void sizeRetentionAloneNeverCutsTheLogBelowRetentionBytes() {
        qt().withExamples(2000).forAll(scenarios()).checkAssert(s -> {
            final Scenario sizeOnly = new Scenario(s.segments(), -1, s.retentionBytes(), s.nowMs(), 0,
                    s.maxSegmentsPerPass());
            final RetentionDecision d = decide(sizeOnly);
            long kept = 0;
            for (int i = d.deleteCount(); i < s.segments().size(); i++) {
                kept += s.segments().get(i).sizeInBytes();
            }
            final long floor = s.retentionBytes() < 0 ? s.totalBytes() : Math.min(s.totalBytes(), s.retentionBytes());
            assertTrue(kept >= floor, "kept " + kept + " of " + s.totalBytes() + ": " + sizeOnly);
            if (d.deleteCount() > 0) {
                assertEquals(Reason.RETENTION_BYTES, d.reason());
            }
        });
    }

    @Test
    void boundedPassesEndWhereOneUnboundedPassEnds() {
        qt().withExamples(1000).forAll(scenarios()).checkAssert(s -> {
            final List<SegmentSummary> once = apply(s.segments(), decideUnbounded(s));
            List<SegmentSummary> current = s.segments();
            for (int pass = 0; pass <= s.segments().size(); pass++) {
                final RetentionDecision d = RetentionPolicy.decide(current, s.retentionMs(), s.retentionBytes(),
                        s.nowMs(), s.logStartOffset(), s.maxSegmentsPerPass());
                if (!d.deletesAnything()) {
                    break;
                }
                current = apply(current, d);
            }
            assertEquals(once, current, s::toString);
            assertFalse(RetentionPolicy.decide(current, s.retentionMs(), s.retentionBytes(), s.nowMs(),
                    s.logStartOffset(), s.maxSegmentsPerPass()).deletesAnything(), "a further pass deletes more");
        });
    }

    // ---- examples, one per rule ----

    private static SegmentSummary seg(final long base, final long next, final long size, final long ts) {
        return new SegmentSummary(base, next, size, ts);
    }

    @Test
    void retentionMsDeletesSegmentsWhoseNewestRecordIsTooOld() {
        final List<SegmentSummary> segs = List.of(seg(0, 10, 100, T0), seg(10, 20, 100, T0 + 500),
                seg(20, 30, 100, T0 + 100), seg(30, 35, 50, T0 + 900));
        // now - largest > 400 holds for T0 and T0+100 but the pass stops at T0+500, as Kafka's does.
        final RetentionDecision d = RetentionPolicy.decide(segs, 400, -1, T0 + 800, 0, 100);
        assertEquals(new RetentionDecision(1, false, Reason.RETENTION_MS), d);
        // exactly retention.ms old is kept (strictly greater breaches)
        assertEquals(RetentionDecision.KEEP_ALL, RetentionPolicy.decide(segs, 901, -1, T0 + 901, 0, 100));
        assertEquals(RetentionDecision.KEEP_ALL, RetentionPolicy.decide(segs, -1, -1, Long.MAX_VALUE, 0, 100));
    }

    @Test
    void retentionBytesDeletesWhileTheRestStillHoldsRetentionBytes() {
        final List<SegmentSummary> segs = List.of(seg(0, 10, 100, T0), seg(10, 20, 200, T0), seg(20, 30, 300, T0),
                seg(30, 31, 10, T0));
        // total 610: without the first 510 >= 300 (delete); without the second 310 >= 300 (delete); then 10 < 300.
        assertEquals(new RetentionDecision(2, false, Reason.RETENTION_BYTES),
                RetentionPolicy.decide(segs, -1, 300, T0, 0, 100));
        assertEquals(new RetentionDecision(1, false, Reason.RETENTION_BYTES),
                RetentionPolicy.decide(segs, -1, 510, T0, 0, 100));
        assertEquals(RetentionDecision.KEEP_ALL, RetentionPolicy.decide(segs, -1, 511, T0, 0, 100));
        assertEquals(RetentionDecision.KEEP_ALL, RetentionPolicy.decide(segs, -1, 5000, T0, 0, 100));
    }

    @Test
    void logStartOffsetDeletesSegmentsEntirelyBelowIt() {
        final List<SegmentSummary> segs = List.of(seg(0, 10, 100, T0), seg(10, 20, 100, T0), seg(20, 30, 100, T0));
        assertEquals(RetentionDecision.KEEP_ALL, RetentionPolicy.decide(segs, -1, -1, T0, 9, 100));
        assertEquals(new RetentionDecision(1, false, Reason.LOG_START_OFFSET),
                RetentionPolicy.decide(segs, -1, -1, T0, 10, 100));
        assertEquals(new RetentionDecision(2, false, Reason.LOG_START_OFFSET),
                RetentionPolicy.decide(segs, -1, -1, T0, 29, 100));
    }

    @Test
    void logStartOffsetAtTheLogEndRollsAndDeletesEverything() {
        final List<SegmentSummary> segs = List.of(seg(0, 10, 100, T0), seg(10, 20, 100, T0));
        assertEquals(new RetentionDecision(2, true, Reason.LOG_START_OFFSET),
                RetentionPolicy.decide(segs, -1, -1, T0, 20, 100));
    }

    @Test
    void expiredActiveSegmentIsRolledFirst() {
        final List<SegmentSummary> segs = List.of(seg(0, 10, 100, T0), seg(10, 12, 20, T0 + 1));
        assertEquals(new RetentionDecision(2, true, Reason.RETENTION_MS),
                RetentionPolicy.decide(segs, 1000, -1, T0 + 5000, 0, 100));
        // cut by the bound: the active segment waits for the next pass, and no roll happens yet
        assertEquals(new RetentionDecision(1, false, Reason.RETENTION_MS),
                RetentionPolicy.decide(segs, 1000, -1, T0 + 5000, 0, 1));
        assertEquals(new RetentionDecision(1, true, Reason.RETENTION_MS),
                RetentionPolicy.decide(segs.subList(1, 2), 1000, -1, T0 + 5000, 0, 1));
    }

    @Test
    void retentionBytesZeroEmptiesTheLogThroughARoll() {
        final List<SegmentSummary> segs = List.of(seg(0, 10, 100, T0), seg(10, 12, 20, T0));
        assertEquals(new RetentionDecision(2, true, Reason.RETENTION_BYTES),
                RetentionPolicy.decide(segs, -1, 0, T0, 0, 100));
    }

    @Test
    void anEmptyActiveSegmentIsNeverDeleted() {
        final List<SegmentSummary> segs = List.of(seg(0, 10, 100, T0), seg(10, 10, 0, -1));
        assertEquals(new RetentionDecision(1, false, Reason.LOG_START_OFFSET),
                RetentionPolicy.decide(segs, 0, 0, T0 + 10, 10, 100));
        assertEquals(RetentionDecision.KEEP_ALL, RetentionPolicy.decide(segs.subList(1, 2), 0, 0, T0 + 10, 10, 100));
    }

    @Test
    void aFutureTimestampStopsTimeRetention() {
        final List<SegmentSummary> segs = List.of(seg(0, 10, 100, T0 + 10_000), seg(10, 20, 100, T0),
                seg(20, 21, 1, T0));
        assertEquals(RetentionDecision.KEEP_ALL, RetentionPolicy.decide(segs, 100, -1, T0 + 1000, 0, 100));
    }

    @Test
    void hugeRetentionMsDoesNotOverflow() {
        final List<SegmentSummary> segs = List.of(seg(0, 10, 100, -1), seg(10, 11, 1, T0));
        assertEquals(RetentionDecision.KEEP_ALL, RetentionPolicy.decide(segs, Long.MAX_VALUE, -1, T0, 0, 10));
        assertEquals(new RetentionDecision(1, false, Reason.RETENTION_MS),
                RetentionPolicy.decide(segs, Long.MAX_VALUE - 1, -1, Long.MAX_VALUE, 0, 10));
    }

    @Test
    void emptyListAndBadArguments() {
        assertEquals(RetentionDecision.KEEP_ALL, RetentionPolicy.decide(List.of(), 0, 0, T0, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> RetentionPolicy.decide(List.of(), 0, 0, T0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> RetentionPolicy.decide(
                List.of(seg(10, 20, 1, T0), seg(10, 20, 1, T0)), 0, 0, T0, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> seg(10, 9, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> seg(0, 1, -1, -1));
        assertThrows(IllegalArgumentException.class, () -> new RetentionDecision(1, false, Reason.NONE));
    }
}
