package io.sediment.retention;

import java.util.ArrayList;
import java.util.List;

/**
 * A brute-force transcription of Kafka's {@code UnifiedLog.deleteOldSegments} for a single node: three passes
 * (log start offset, retention.bytes, retention.ms), each walking a mutable copy of the segment list, deleting the
 * prefix its predicate accepts, rolling first when a pass would delete every segment. Written to be obviously
 * Kafka's control flow, not to be fast. The active-segment log-start-offset extension {@link RetentionPolicy}
 * documents is modelled too.
 */
final class KafkaRetentionModel {
    /** Outcome over the original segments: how many were deleted, whether the active one was, the first reason. */
    record Outcome(int deleted, boolean rolled, Reason firstReason) {
    }

    private interface Predicate {
        boolean deletable(List<SegmentSummary> segments, int i);
    }

    private final List<SegmentSummary> segments;
    private final int originalCount;
    private int deletedOriginals;
    private boolean rolled;
    private Reason firstReason = Reason.NONE;

    private KafkaRetentionModel(final List<SegmentSummary> segments) {
        this.segments = new ArrayList<>(segments);
        this.originalCount = segments.size();
    }

    static Outcome run(final List<SegmentSummary> segments, final long retentionMs, final long retentionBytes,
            final long nowMs, final long logStartOffset) {
        final KafkaRetentionModel model = new KafkaRetentionModel(segments);
        model.pass(Reason.LOG_START_OFFSET, (list, i) -> i + 1 < list.size()
                ? list.get(i + 1).baseOffset() <= logStartOffset
                : list.get(i).nextOffset() <= logStartOffset);
        if (retentionBytes >= 0) {
            final long logSize = model.segments.stream().mapToLong(SegmentSummary::sizeInBytes).sum();
            if (logSize >= retentionBytes) {
                final long[] diff = {logSize - retentionBytes};
                model.pass(Reason.RETENTION_BYTES, (list, i) -> {
                    final boolean delete = diff[0] - list.get(i).sizeInBytes() >= 0;
                    if (delete) {
                        diff[0] -= list.get(i).sizeInBytes();
                    }
                    return delete;
                });
            }
        }
        if (retentionMs >= 0) {
            model.pass(Reason.RETENTION_MS, (list, i) -> nowMs - list.get(i).largestTimestamp() > retentionMs);
        }
        return new Outcome(model.deletedOriginals, model.rolled, model.firstReason);
    }

    private void pass(final Reason reason, final Predicate predicate) {
        final List<SegmentSummary> deletable = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            final boolean lastAndEmpty = i == segments.size() - 1 && segments.get(i).sizeInBytes() == 0;
            if (predicate.deletable(segments, i) && !lastAndEmpty) {
                deletable.add(segments.get(i));
            } else {
                break;
            }
        }
        if (deletable.isEmpty()) {
            return;
        }
        if (deletable.size() == segments.size()) {
            final SegmentSummary active = segments.get(segments.size() - 1);
            segments.add(new SegmentSummary(active.nextOffset(), active.nextOffset(), 0, -1));
            rolled = true;
        }
        segments.removeAll(deletable);
        deletedOriginals += deletable.size();
        if (firstReason == Reason.NONE) {
            firstReason = reason;
        }
        if (deletedOriginals > originalCount) {
            throw new AssertionError("model deleted the segment it rolled");
        }
    }
}
