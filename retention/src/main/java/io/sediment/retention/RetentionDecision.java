package io.sediment.retention;

/**
 * What one retention pass should do to a partition's segments.
 *
 * @param deleteCount     how many of the oldest segments to delete (a prefix of the list the policy was given)
 * @param rollActiveFirst the prefix includes the active segment, which holds data: roll to a new empty active
 *                        segment first, then delete the {@code deleteCount} segments that existed before the roll,
 *                        so a partition always keeps one segment
 * @param reason          why the first of them goes (the first of Kafka's three rules, in Kafka's order, that
 *                        removes it); {@link Reason#NONE} when {@code deleteCount} is 0
 */
public record RetentionDecision(int deleteCount, boolean rollActiveFirst, Reason reason) {
    /** Nothing to delete. */
    public static final RetentionDecision KEEP_ALL = new RetentionDecision(0, false, Reason.NONE);

    public RetentionDecision {
        if (deleteCount < 0) {
            throw new IllegalArgumentException("delete count " + deleteCount + " is negative");
        }
        if ((deleteCount == 0) != (reason == Reason.NONE)) {
            throw new IllegalArgumentException("delete count " + deleteCount + " does not fit reason " + reason);
        }
        if (rollActiveFirst && deleteCount == 0) {
            throw new IllegalArgumentException("rolling first only makes sense when deleting");
        }
    }

    /** Whether any segment is to be deleted. */
    public boolean deletesAnything() {
        return deleteCount > 0;
    }

}
