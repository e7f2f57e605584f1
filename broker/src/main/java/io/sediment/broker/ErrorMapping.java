package io.sediment.broker;

import io.sediment.api.CorruptRecordException;
import io.sediment.api.InvalidConfigException;
import io.sediment.api.InvalidRecordException;
import io.sediment.api.InvalidTopicException;
import io.sediment.api.LogAlreadyExistsException;
import io.sediment.api.LogClosedException;
import io.sediment.api.OffsetOutOfRangeException;
import io.sediment.api.RecordTooLargeException;
import io.sediment.api.StorageException;
import io.sediment.api.UnknownLogException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletionException;

/**
 * The one place where an engine error becomes a Kafka error code: each typed engine exception maps to exactly one
 * code (see the table in the README); a kafka-clients {@link ApiException} keeps its own code; anything else is
 * {@code UNKNOWN_SERVER_ERROR}, with the exception's message so the client still learns what happened.
 */
final class ErrorMapping {
    private ErrorMapping() {
    }

    static Errors error(final Throwable t) {
        final Throwable e = unwrap(t);
        if (e instanceof OffsetOutOfRangeException) {
            return Errors.OFFSET_OUT_OF_RANGE;
        } else if (e instanceof CorruptRecordException) {
            return Errors.CORRUPT_MESSAGE;
        } else if (e instanceof InvalidRecordException) {
            return Errors.INVALID_RECORD;
        } else if (e instanceof RecordTooLargeException) {
            return Errors.MESSAGE_TOO_LARGE;
        } else if (e instanceof LogClosedException) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        } else if (e instanceof InvalidTopicException) {
            return Errors.INVALID_TOPIC_EXCEPTION;
        } else if (e instanceof InvalidConfigException) {
            return Errors.INVALID_CONFIG;
        } else if (e instanceof UnknownLogException) {
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        } else if (e instanceof LogAlreadyExistsException) {
            return Errors.TOPIC_ALREADY_EXISTS;
        } else if (e instanceof StorageException) {
            return Errors.KAFKA_STORAGE_ERROR;
        } else if (e instanceof ApiException) {
            return Errors.forException(e);
        }
        return Errors.UNKNOWN_SERVER_ERROR;
    }

    static String message(final Throwable t) {
        final Throwable e = unwrap(t);
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** The Kafka exception a client would see, for kafka-clients' generic error-response builders. */
    static ApiException toApiException(final Throwable t) {
        final Throwable e = unwrap(t);
        if (e instanceof ApiException a) {
            return a;
        }
        return error(e).exception(message(e));
    }

    private static Throwable unwrap(final Throwable t) {
        Throwable e = t;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
