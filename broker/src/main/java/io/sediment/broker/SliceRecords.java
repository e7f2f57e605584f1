package io.sediment.broker;

import io.sediment.api.LogSlice;
import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.RecordsSend;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * Stored batches as the records field of a generated {@code FetchResponseData}: kafka-clients' {@code SendBuilder}
 * asks it for a {@link RecordsSend} instead of copying it into the response buffer, and that send hands the
 * socket to {@link LogSlice#transferTo} (sendfile from the mmap backend), so fetched bytes never touch the heap.
 * The slice is closed by the response's release hook, after the send completes or the connection drops.
 */
final class SliceRecords implements BaseRecords {
    private final LogSlice slice;

    SliceRecords(final LogSlice slice) {
        this.slice = slice;
    }

    @Override
    public int sizeInBytes() {
        return slice.sizeInBytes();
    }

    @Override
    public RecordsSend<SliceRecords> toSend() {
        return new Send(this);
    }

    private static final class Send extends RecordsSend<SliceRecords> {
        Send(final SliceRecords records) {
            super(records, records.sizeInBytes());
        }

        @Override
        protected int writeTo(final TransferableChannel channel, final int previouslyWritten, final int remaining)
                throws IOException {
            final WritableByteChannel target = channel instanceof Connection c ? c.socket() : channel;
            return (int) records().slice.transferTo(target, previouslyWritten, remaining);
        }
    }
}
